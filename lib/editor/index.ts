/** The framework-free editor: Tiptap with collaboration and named carets on a Tandem connection. */
export { type CollaborativeEditorHandle, type CollaborativeEditorOptions, createCollaborativeEditor } from './create-editor'
export { type TandemExtensionOptions, tandemExtensions } from './extensions'
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
