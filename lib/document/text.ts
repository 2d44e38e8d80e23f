import { getTextSerializersFromSchema, type TextSerializer } from '@tiptap/core'
import type { Node } from '@tiptap/pm/model'
import type * as Y from 'yjs'
import { docToNode } from './content'

/**
 * Leaf blocks that have no text of their own but should still show in plain text, the way a
 * reader would draw them.
 */
const LEAF_BLOCK_TEXT: Record<string, TextSerializer> = {
  horizontalRule: () => '---',
}

/**
 * A document as plain text: every textblock (paragraph, heading, code block, list item
 * paragraph) on its own line, hard breaks as newlines, no Markdown markers or list bullets.
 */
export function toText(doc: Y.Doc): string {
  return nodeToText(docToNode(doc))
}

/**
 * The nodes' own text serializers (Tiptap's `renderText`, e.g. a hard break is a newline) with
 * ProseMirror's `textBetween` rule for line breaks: one separator before each textblock.
 * Tiptap's `getText` puts a separator before every block, wrappers included, so the first
 * item of a list after a paragraph would come two blank lines down.
 */
export function nodeToText(root: Node): string {
  const serializers = { ...getTextSerializersFromSchema(root.type.schema), ...LEAF_BLOCK_TEXT }
  const range = { from: 0, to: root.content.size }
  let text = ''
  let atStart = true
  root.descendants((node, pos, parent, index) => {
    const serialize = serializers[node.type.name]
    const own = serialize ? serialize({ node, pos, parent: parent ?? root, index, range }) : (node.text ?? '')
    if (node.isTextblock || (node.isBlock && own !== '')) {
      if (!atStart) text += '\n'
      atStart = false
    }
    text += own
    return !serialize
  })
  return text
}
