import { type Editor, Extension, type Range } from '@tiptap/core'
import { PluginKey } from '@tiptap/pm/state'
import Suggestion, { type SuggestionOptions } from '@tiptap/suggestion'
import { filterSlashCommands, SLASH_COMMANDS, type SlashCommand } from './slash-commands'

export interface SlashMenuOptions {
  commands: readonly SlashCommand[]
  /** Draws the list (Tiptap's suggestion renderer); lib/react/slash-menu.tsx provides one. */
  render: SuggestionOptions<SlashCommand, SlashCommand>['render']
}

export const slashMenuPluginKey = new PluginKey('slashMenu')

/** Removes the typed `/query`, then runs the entry. */
export function runSlashCommand(editor: Editor, range: Range, command: SlashCommand): void {
  editor.chain().focus().deleteRange(range).run()
  command.run(editor)
}

/**
 * The `/` command menu: typing `/` at the start of a line or after a space, in an editable
 * editor and outside code, opens a list of {@link SLASH_COMMANDS} filtered by what follows
 * (Tiptap's Suggestion plugin tracks the `/query` text and its range).
 */
export const SlashMenu = Extension.create<SlashMenuOptions>({
  name: 'slashMenu',
  addOptions: () => ({ commands: SLASH_COMMANDS, render: undefined }),
  addProseMirrorPlugins() {
    return [
      Suggestion<SlashCommand, SlashCommand>({
        editor: this.editor,
        pluginKey: slashMenuPluginKey,
        char: '/',
        allowedPrefixes: [' '],
        allow: ({ editor, state, range }) => editor.isEditable && !state.doc.resolve(range.from).parent.type.spec.code,
        items: ({ query }) => filterSlashCommands(query, this.options.commands),
        command: ({ editor, range, props }) => runSlashCommand(editor, range, props),
        render: this.options.render,
      }),
    ]
  },
})
