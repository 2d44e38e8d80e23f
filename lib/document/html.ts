import type { Extensions } from '@tiptap/core'
import { renderToHTMLString } from '@tiptap/static-renderer/pm/html-string'
import type * as Y from 'yjs'
import { docToNode } from './content'
import { documentExtensions } from './schema'

let extensions: Extensions | undefined

/**
 * A document as HTML, rendered by each extension's own `renderHTML` (the markup the editor
 * itself produces, e.g. `<pre><code class="language-ts">`) without a DOM. Text and attribute
 * values are escaped; a link to a disallowed protocol such as `javascript:` loses its href.
 */
export function toHTML(doc: Y.Doc): string {
  extensions ??= documentExtensions()
  return renderToHTMLString({ content: docToNode(doc), extensions })
}
