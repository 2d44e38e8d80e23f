/**
 * What a Tandem document is, for the editor and the server alike: its extensions and schema,
 * reading its content out of a Y.Doc, rendering it as HTML, Markdown or plain text, and the
 * way back: parsing Markdown, HTML or ProseMirror JSON and writing it into a Y.Doc. Nothing
 * here needs React or the server; HTML parsing uses the browser's DOM, or happy-dom in Node.
 */
export { docToJSON, docToNode, nodeToJSON } from './content'
export { InvalidContentError } from './content-error'
export { isContentEmpty } from './empty'
export { toHTML } from './html'
export { nodeToMarkdown, toMarkdown } from './markdown'
export { htmlToJSON } from './parse-html'
export { markdownToJSON } from './parse-markdown'
export { documentExtensions, documentSchema } from './schema'
export { nodeToText, toText } from './text'
export { contentFromJSON, MAX_CONTENT_DEPTH } from './validate'
export { appendContent, replaceContent } from './write'
