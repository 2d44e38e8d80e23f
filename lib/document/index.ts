/**
 * What a Tandem document is, for the editor and the server alike: its extensions and schema,
 * reading its content out of a Y.Doc, and rendering it as HTML, Markdown or plain text.
 * Nothing here needs a DOM, React or the server.
 */
export { docToJSON, docToNode } from './content'
export { toHTML } from './html'
export { nodeToMarkdown, toMarkdown } from './markdown'
export { documentExtensions, documentSchema } from './schema'
export { nodeToText, toText } from './text'
