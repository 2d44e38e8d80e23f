import type { Node } from '@tiptap/pm/model'
import { prosemirrorToYXmlFragment, updateYFragment } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import { CONTENT_FIELD } from '../protocol/document-fields'
import { isContentEmpty } from './empty'

/**
 * Writing content into a Y.Doc with the editor's own Yjs binding (y-tiptap), so an open editor
 * shows exactly the node given. Call inside a transaction of the caller's (the server's
 * `room.change`) to make it one update.
 */

/**
 * Makes the content `node` (a `doc` of the document schema, see contentFromJSON). A minimal
 * change: blocks equal from the start and from the end are kept as they are (so are the
 * cursors and undo history of the people in them); only the differing middle is replaced.
 */
export function replaceContent(doc: Y.Doc, node: Node): void {
  updateYFragment(doc, doc.getXmlFragment(CONTENT_FIELD), node, { mapping: new Map(), isOMark: new Map() })
}

/**
 * Adds the blocks of `node` after the content. An empty document (see isContentEmpty) is
 * replaced instead, so it does not keep the empty paragraph a fresh editor wrote above them.
 */
export function appendContent(doc: Y.Doc, node: Node): void {
  if (isContentEmpty(doc)) return replaceContent(doc, node)
  // Built in a scratch document by the same binding, then copied in: Yjs types cannot move
  // between documents, but a clone of one (text formatting included) can be inserted anywhere.
  const scratch = new Y.Doc()
  try {
    const built = prosemirrorToYXmlFragment(node, scratch.getXmlFragment(CONTENT_FIELD))
    const fragment = doc.getXmlFragment(CONTENT_FIELD)
    fragment.insert(
      fragment.length,
      built.toArray().map((block) => block.clone() as Y.XmlElement | Y.XmlText),
    )
  } finally {
    scratch.destroy()
  }
}
