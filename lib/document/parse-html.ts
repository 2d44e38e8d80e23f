import type { JSONContent } from '@tiptap/core'
import { generateJSON } from '@tiptap/html'
import { withoutUnsafeUrls } from './safe-urls'
import { documentExtensions } from './schema'

/**
 * HTML as ProseMirror JSON of the document schema, read by each extension's own `parseHTML`
 * rules, as the editor reads a paste: what the schema has no place for (a script, a `data:`
 * image, an unknown element) is dropped and its text kept, as is a link to an unsafe address. `@tiptap/html` parses with the browser's
 * DOMParser there, and with happy-dom in Node (scripts and every resource load switched off),
 * so the same call works on the server and in the app.
 */
export function htmlToJSON(html: string): JSONContent {
  return withoutUnsafeUrls(generateJSON(html, documentExtensions()) as JSONContent)
}
