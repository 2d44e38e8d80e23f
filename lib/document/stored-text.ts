import * as Y from 'yjs'
import { CONTENT_FIELD } from '../protocol/document-fields'

/**
 * A document's plain text read straight off its Y.Doc, without the editor's schema: the same
 * text as `toText` (text.ts) for every node the schema has, for the server's list digests. The
 * schema (Tiptap and ProseMirror) takes most of a second to load and blocks the event loop
 * while it does; a digest must not hold every delivery for that long. tests/unit/stored-text.test.ts
 * keeps the two in step over every kind of node.
 */

/** Nodes whose content is inline (ProseMirror's textblocks): each starts a line. */
const TEXTBLOCKS = new Set(['paragraph', 'heading', 'codeBlock'])

/** Leaf nodes with text of their own (their `renderText`, and text.ts LEAF_BLOCK_TEXT). */
const LEAF_TEXT: Record<string, string> = { hardBreak: '\n', horizontalRule: '---' }

/** Inline leaves: they never start a line, whatever text they have. */
const INLINE = new Set(['hardBreak', 'image'])

export function storedText(doc: Y.Doc): string {
  const state = { text: '', atStart: true }
  appendChildren(doc.getXmlFragment(CONTENT_FIELD), state)
  return state.text
}

function appendChildren(parent: Y.XmlFragment | Y.XmlElement, state: { text: string; atStart: boolean }): void {
  for (const child of parent.toArray()) {
    if (child instanceof Y.XmlText) {
      for (const op of child.toDelta() as Array<{ insert: unknown }>) if (typeof op.insert === 'string') state.text += op.insert
      continue
    }
    if (!(child instanceof Y.XmlElement)) continue
    const name = child.nodeName
    const own = LEAF_TEXT[name]
    if (TEXTBLOCKS.has(name) || (own !== undefined && !INLINE.has(name))) {
      if (!state.atStart) state.text += '\n'
      state.atStart = false
    }
    if (own !== undefined) state.text += own
    else appendChildren(child, state)
  }
}
