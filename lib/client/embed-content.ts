/**
 * The live document in the formats `tandem:get-content` offers, rendered from the frame's own
 * Y.Doc with the document schema of lib/document (the same renderers as the server's REST export).
 */
import type * as Y from 'yjs'
import { docToJSON, toHTML, toMarkdown, toText } from '../document'
import type { EmbedContentFormat } from '../protocol/embed-messages'

export function embedContent(doc: Y.Doc, format: EmbedContentFormat): unknown {
  switch (format) {
    case 'json':
      return docToJSON(doc)
    case 'html':
      return toHTML(doc)
    case 'markdown':
      return toMarkdown(doc)
    case 'text':
      return toText(doc)
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}
