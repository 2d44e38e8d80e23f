import { Extension } from '@tiptap/core'
import { isChangeOrigin } from '@tiptap/extension-collaboration'
import type { NodeType } from '@tiptap/pm/model'
import { type EditorState, Plugin, PluginKey, type Transaction } from '@tiptap/pm/state'

const trailingNodeKey = new PluginKey<TrailingState>('tandemTrailingNode')

/**
 * StarterKit's trailing node (a document always ends with an empty paragraph, so there is
 * somewhere to type after a quote, a heading or a list), made safe for collaborative undo.
 *
 * The paragraph is added by an appended ProseMirror transaction. When what triggered it is not an
 * edit by this writer (a collaborator's change or an undo/redo rendered from the Y.Doc, or only a
 * selection change), y-tiptap writes that paragraph to the Y.Doc later, with the next ordinary
 * transaction (a collaborator's caret moving, a click), as an edit of this writer's. The undo
 * manager then takes it for a new change: it becomes an undo step, and (as any new change does)
 * it empties the redo history. That is how "undo until nothing is left, then redo" lost the
 * writer's words when the undo left a quote a collaborator had written into at the end of the
 * document. Here such a paragraph carries `addToHistory: false`: y-tiptap writes it outside the
 * history, and redo survives. A paragraph added together with this writer's own edit (typing a
 * heading at the very end) stays part of that edit's undo step, as before.
 *
 * The paragraph it added is taken out again when Enter makes a new empty paragraph right above
 * it (at the end of a document that starts with a heading, typing `# Title` and Enter left an
 * invisible empty paragraph below the cursor): the document ends with the new one instead.
 */
interface TrailingState {
  /** The last block is not a paragraph: one is due. */
  needsParagraph: boolean
  /** Where the paragraph this plugin added starts, while it is still the last block and empty. */
  added: number | null
}

const ADDED = 'tandemTrailingNodeAdded'

/** The position of the document's last block if it is an empty paragraph, else null. */
function emptyLastParagraph(doc: Transaction['doc'], paragraph: NodeType): number | null {
  const last = doc.lastChild
  return last && last.type === paragraph && last.content.size === 0 ? doc.content.size - last.nodeSize : null
}

export const UndoNeutralTrailingNode = Extension.create({
  name: 'tandemTrailingNode',

  addProseMirrorPlugins() {
    const paragraph = this.editor.schema.nodes.paragraph
    if (paragraph === undefined) return []
    const needsParagraph = (doc: Transaction['doc']) => doc.lastChild?.type !== paragraph
    return [
      new Plugin<TrailingState>({
        key: trailingNodeKey,
        state: {
          init: (_, state) => ({ needsParagraph: needsParagraph(state.doc), added: null }),
          apply: (tr, value) => {
            if (tr.getMeta(ADDED)) return { needsParagraph: false, added: emptyLastParagraph(tr.doc, paragraph) }
            // As StarterKit's: a UniqueID transaction only adds ids, it never moves the last block.
            if (!tr.docChanged || tr.getMeta('__uniqueIDTransaction')) return value
            const mapped = value.added === null ? null : tr.mapping.mapResult(value.added, 1)
            const added = mapped && !mapped.deleted && mapped.pos === emptyLastParagraph(tr.doc, paragraph) ? mapped.pos : null
            return { needsParagraph: needsParagraph(tr.doc), added }
          },
        },
        appendTransaction: (transactions, _oldState, state) => {
          const { needsParagraph: due, added } = trailingNodeKey.getState(state) ?? { needsParagraph: false, added: null }
          if (transactions.some((tr) => tr.getMeta('skipTrailingNode'))) return null
          const ownEdit = transactions.some((t) => t.docChanged && !isChangeOrigin(t))
          if (due) {
            const tr = state.tr.insert(state.doc.content.size, paragraph.create()).setMeta(ADDED, true)
            if (!ownEdit) tr.setMeta('addToHistory', false)
            return tr
          }
          // Enter at the end of a last heading (or list, or quote) makes an empty paragraph just
          // above the one added here, which is then one empty paragraph too many, unseen below
          // the cursor. The new paragraph is the document's end now; the added one goes.
          if (added !== null && ownEdit && isInEmptyParagraphJustBefore(state, added, paragraph)) {
            // Outside the history: undoing the Enter then ends the document with the heading
            // again, and a new trailing paragraph (itself outside the history) follows it.
            return state.tr.delete(added, state.doc.content.size).setMeta('addToHistory', false)
          }
          return null
        },
      }),
    ]
  },
})

/** Whether the cursor is in an empty paragraph that ends right where `pos` starts. */
function isInEmptyParagraphJustBefore(state: EditorState, pos: number, paragraph: NodeType): boolean {
  const { selection } = state
  if (!selection.empty) return false
  const { $from } = selection
  return $from.depth === 1 && $from.parent.type === paragraph && $from.parent.content.size === 0 && $from.after() === pos
}
