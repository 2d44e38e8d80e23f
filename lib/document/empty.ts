import * as Y from 'yjs'
import { CONTENT_FIELD } from '../protocol/document-fields'

/**
 * Whether a document's content is empty as a person sees it: nothing but empty paragraphs (a
 * fresh editor writes one). Read off the Y.Doc itself, so content of a node type this version
 * does not know counts as content.
 */
export function isContentEmpty(doc: Y.Doc): boolean {
  return doc
    .getXmlFragment(CONTENT_FIELD)
    .toArray()
    .every(
      (block) =>
        block instanceof Y.XmlElement &&
        block.nodeName === 'paragraph' &&
        block.toArray().every((inline) => inline instanceof Y.XmlText && inline.length === 0),
    )
}
