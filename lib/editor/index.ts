/** The framework-free editor: Tiptap with collaboration and named carets on a Tandem connection. */
export { type CollaborativeEditorHandle, type CollaborativeEditorOptions, createCollaborativeEditor } from './create-editor'
export { type TandemExtensionOptions, tandemExtensions } from './extensions'
export { Find, type FindMatch, type FindQuery, type FindState, findMatches, findPlugin, findPluginKey, readFind } from './find'
export {
  ariaKeyShortcuts,
  type ButtonState,
  FORMATTING_GROUPS,
  type FormattingAction,
  type FormattingId,
  formatShortcut,
  isApplePlatform,
  readFormattingState,
} from './formatting'
export { editorFiles, insertImageFiles, pickImage, TandemImages, type TandemImagesOptions } from './image-upload'
export { applyLink, LinkRequest, readLinkContext, removeLink, requestLinkPrompt } from './link-editing'
export { type LinkUrlResult, normalizeLinkUrl } from './link-url'
export { filterSlashCommands, SLASH_COMMANDS, type SlashCommand } from './slash-commands'
export { SlashMenu, type SlashMenuOptions } from './slash-menu'
export { countText, formatTextStats, type TextStats } from './text-stats'
