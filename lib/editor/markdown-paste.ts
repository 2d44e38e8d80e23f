import { Extension } from '@tiptap/core'
import { Slice } from '@tiptap/pm/model'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import { markdownToJSON } from '../document/parse-markdown'

/**
 * Lines and spans that only Markdown writes. Plain text is taken for Markdown when it has one
 * of them: a heading, a list or checklist item, a fence, a quote, a table's delimiter row, a
 * link, or bold, struck or code text. Prose without them (a sentence with a dash, a price with
 * an asterisk) pastes as typed.
 */
const MARKDOWN_SIGNS: readonly RegExp[] = [
  /^#{1,6}[ \t]+\S/m,
  /^[ \t]*[-*+][ \t]+\S/m,
  /^[ \t]*\d{1,9}[.)][ \t]+\S/m,
  /^[ \t]*(```|~~~)/m,
  /^[ \t]*>[ \t]?\S/m,
  /^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$/m,
  /\[[^\]\n]+\]\([^)\s]+\)/,
  /\*\*[^*\n]+\*\*|~~[^~\n]+~~|`[^`\n]+`/,
]

export function looksLikeMarkdown(text: string): boolean {
  return MARKDOWN_SIGNS.some((sign) => sign.test(text))
}

const markdownPasteKey = new PluginKey('tandemMarkdownPaste')

/**
 * Markdown pasted as plain text (a clipboard with no text/html, as from a text editor or a
 * terminal) becomes formatting: it is read by the same reader as imported Markdown files
 * (lib/document's markdownToJSON: tables, checklists, links with only safe addresses) and
 * inserted as a paste, a first or last paragraph joining the text around the cursor. Inside a
 * code block, or when the clipboard has HTML (another editor's formatting, tables included,
 * which ProseMirror's own HTML paste reads), the paste is left to the editor.
 */
export const MarkdownPaste = Extension.create({
  name: 'tandemMarkdownPaste',

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: markdownPasteKey,
        props: {
          handlePaste: (view, event) => {
            const clipboard = event.clipboardData
            if (!clipboard || clipboard.types.includes('text/html')) return false
            if (view.state.selection.$from.parent.type.spec.code) return false
            const text = clipboard.getData('text/plain')
            if (!text || !looksLikeMarkdown(text)) return false
            let slice: Slice
            try {
              const doc = view.state.schema.nodeFromJSON(markdownToJSON(text))
              // Open at a paragraph or heading, so its text joins the text around the cursor;
              // closed at a list, quote or table, which arrives whole.
              slice = new Slice(doc.content, doc.firstChild?.isTextblock ? 1 : 0, doc.lastChild?.isTextblock ? 1 : 0)
            } catch {
              // Too deeply nested to read (InvalidContentError): paste it as text instead.
              return false
            }
            view.dispatch(view.state.tr.replaceSelection(slice).scrollIntoView().setMeta('paste', true).setMeta('uiEvent', 'paste'))
            return true
          },
        },
      }),
    ]
  },
})
