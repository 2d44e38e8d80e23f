import { type Extensions, getSchema } from '@tiptap/core'
import Highlight from '@tiptap/extension-highlight'
import Image from '@tiptap/extension-image'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { TableKit } from '@tiptap/extension-table'
import TextAlign from '@tiptap/extension-text-align'
import type { Schema } from '@tiptap/pm/model'
import StarterKit from '@tiptap/starter-kit'

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
 * URLs are not allowed, so a pasted image is uploaded rather than inlined into the Y.Doc.
 */
export function documentExtensions({ trailingNode = true }: { trailingNode?: boolean } = {}): Extensions {
  return [
    StarterKit.configure({
      undoRedo: false,
      link: { openOnClick: false, autolink: true, defaultProtocol: 'https' },
      ...(trailingNode ? {} : { trailingNode: false }),
    }),
    Highlight,
    TextAlign.configure({ types: ['heading', 'paragraph'] }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit.configure({ table: { resizable: false } }),
    Image.configure({ inline: false, allowBase64: false }),
  ]
}

let cachedSchema: Schema | undefined

/** The ProseMirror schema of {@link documentExtensions}, built once per process. */
export function documentSchema(): Schema {
  cachedSchema ??= getSchema(documentExtensions())
  return cachedSchema
}
