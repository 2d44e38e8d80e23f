import { type Extensions, getSchema, mergeAttributes } from '@tiptap/core'
import Highlight from '@tiptap/extension-highlight'
import Image from '@tiptap/extension-image'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { TableKit } from '@tiptap/extension-table'
import TextAlign from '@tiptap/extension-text-align'
import type { Schema } from '@tiptap/pm/model'
import StarterKit from '@tiptap/starter-kit'
import { isSafeImageSrc, isSafeLinkHref } from './safe-urls'

/**
 * What a Tandem document can contain: the node and mark types, their attributes and their
 * Markdown/HTML/text renderings. The editor adds collaboration on top of exactly this list and
 * the server renders exports from it, so what one writes the other always understands.
 *
 * StarterKit's own history is off because a collaborative editor undoes through the Y.Doc
 * instead (only this client's changes); history adds no schema, so the server loses nothing.
 * `trailingNode: false` leaves out StarterKit's trailing paragraph (no schema either), for the
 * collaborative editor, which brings its own (lib/editor/trailing-node.ts).
 *
 * Beyond StarterKit (paragraphs, headings, lists, quotes, code, rules, bold, italic, underline,
 * strike, links): highlight, text alignment, checklists, tables and images. Images are block
 * nodes whose `src` points at the document's uploaded files (or any http(s) address); data:
 * URLs are not allowed, so a pasted image is uploaded rather than inlined into the Y.Doc. Links
 * and images take only safe addresses (safe-urls.ts), wherever they come from.
 */
export function documentExtensions({ trailingNode = true }: { trailingNode?: boolean } = {}): Extensions {
  return [
    StarterKit.configure({
      undoRedo: false,
      // Links to anything but http(s), mailto, tel or a relative address are never made, by
      // typing, pasting, a command or reading HTML, and render without their href.
      link: { openOnClick: false, autolink: true, linkOnPaste: true, defaultProtocol: 'https', isAllowedUri: (url) => isSafeLinkHref(url) },
      ...(trailingNode ? {} : { trailingNode: false }),
    }),
    Highlight,
    TextAlign.configure({ types: ['heading', 'paragraph'] }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit.configure({ table: { resizable: false } }),
    SafeImage.configure({ inline: false, allowBase64: false }),
  ]
}

/** Tiptap's image, reading and rendering only http(s) and relative sources (see safe-urls.ts). */
const SafeImage = Image.extend({
  parseHTML() {
    return [{ tag: 'img[src]', getAttrs: (dom) => (isSafeImageSrc(dom.getAttribute('src')) ? null : false) }]
  },
  renderHTML({ HTMLAttributes }) {
    const src = isSafeImageSrc(HTMLAttributes.src) ? HTMLAttributes.src : ''
    return ['img', mergeAttributes(this.options.HTMLAttributes, HTMLAttributes, { src })]
  },
})

let cachedSchema: Schema | undefined

/** The ProseMirror schema of {@link documentExtensions}, built once per process. */
export function documentSchema(): Schema {
  cachedSchema ??= getSchema(documentExtensions())
  return cachedSchema
}
