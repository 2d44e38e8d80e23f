import { type Extensions, getSchema } from '@tiptap/core'
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
 */
export function documentExtensions({ trailingNode = true }: { trailingNode?: boolean } = {}): Extensions {
  return [
    StarterKit.configure({
      undoRedo: false,
      link: { openOnClick: false, autolink: true },
      ...(trailingNode ? {} : { trailingNode: false }),
    }),
  ]
}

let cachedSchema: Schema | undefined

/** The ProseMirror schema of {@link documentExtensions}, built once per process. */
export function documentSchema(): Schema {
  cachedSchema ??= getSchema(documentExtensions())
  return cachedSchema
}
