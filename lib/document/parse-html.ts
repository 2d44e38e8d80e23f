import type { JSONContent } from '@tiptap/core'
import { generateJSON } from '@tiptap/html'
import { documentExtensions } from './schema'

/**
 * HTML as ProseMirror JSON of the document schema, read by each extension's own `parseHTML`
 * rules, as the editor reads a paste: what the schema has no place for (a script, an image,
 * a table's structure) is dropped and its text kept. `@tiptap/html` parses with the browser's
 * DOMParser there, and with happy-dom in Node (scripts and every resource load switched off),
 * so the same call works on the server and in the app.
 */
export function htmlToJSON(html: string): JSONContent {
  return generateJSON(html, documentExtensions()) as JSONContent
}
