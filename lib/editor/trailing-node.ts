import { Extension } from '@tiptap/core'
import { isChangeOrigin } from '@tiptap/extension-collaboration'
import { Plugin, PluginKey, type Transaction } from '@tiptap/pm/state'

const trailingNodeKey = new PluginKey<boolean>('tandemTrailingNode')

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
 */
export const UndoNeutralTrailingNode = Extension.create({
  name: 'tandemTrailingNode',

  addProseMirrorPlugins() {
    const paragraph = this.editor.schema.nodes.paragraph
    if (paragraph === undefined) return []
    const needsParagraph = (doc: Transaction['doc']) => doc.lastChild?.type !== paragraph
    return [
      new Plugin<boolean>({
        key: trailingNodeKey,
        state: {
          init: (_, state) => needsParagraph(state.doc),
          // As StarterKit's: a UniqueID transaction only adds ids, it never moves the last block.
          apply: (tr, value) => (tr.docChanged && !tr.getMeta('__uniqueIDTransaction') ? needsParagraph(tr.doc) : value),
        },
        appendTransaction: (transactions, _oldState, state) => {
          if (!trailingNodeKey.getState(state)) return null
          if (transactions.some((tr) => tr.getMeta('skipTrailingNode'))) return null
          const tr = state.tr.insert(state.doc.content.size, paragraph.create())
          const ownEdit = transactions.some((t) => t.docChanged && !isChangeOrigin(t))
          if (!ownEdit) tr.setMeta('addToHistory', false)
          return tr
        },
      }),
    ]
  },
})
