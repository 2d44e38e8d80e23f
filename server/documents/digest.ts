import * as Y from 'yjs'
import { isContentEmpty } from '../../lib/document/empty'
import { storedText } from '../../lib/document/stored-text'
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/protocol'
import type { DocumentDigest, StoredDocument } from '../storage/storage'

/** Characters of plain text a list row previews. */
export const PREVIEW_LENGTH = 140

/** Whitespace (newlines between blocks included) collapsed to single spaces, trimmed. */
export function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim()
}

/** At most `length` characters (code points, so no emoji is cut in half), with "…" when cut. */
export function clip(text: string, length: number): string {
  const chars = Array.from(text)
  return chars.length <= length ? text : `${chars.slice(0, length).join('').trimEnd()}…`
}

/**
 * What the list shows and searches of a document: its text (not the title) as one previewable
 * line, the whole text for snippets, and the lowercased title and text for search. JavaScript
 * lowercases (full Unicode), so the databases only compare substrings. Read off the Y.Doc
 * without the document model (lib/document/stored-text.ts): loading Tiptap blocks the event
 * loop for most of a second, which every client of the server would feel.
 */
export function digestOf(doc: Y.Doc): Omit<DocumentDigest, 'lastEditor'> {
  const text = storedText(doc)
  const title = doc.getText(TITLE_FIELD).toString()
  return {
    preview: clip(oneLine(text), PREVIEW_LENGTH),
    text,
    searchText: `${title}\n${text}`.toLowerCase(),
    hasContent: !isContentEmpty(doc) || hasOtherSharedData(doc),
  }
}

/**
 * Whether anything besides the editor's content and the title was ever written: a Yjs app using
 * Tandem as its sync server keeps its data in shared types of its own, and such a document is
 * not an empty one nobody wrote in. Reads the types' first items, nothing is decoded.
 */
function hasOtherSharedData(doc: Y.Doc): boolean {
  for (const [name, type] of doc.share) {
    if (name === CONTENT_FIELD || name === TITLE_FIELD) continue
    if (type._start !== null || type._map.size > 0) return true
  }
  return false
}

/** The Y.Doc of what storage holds (snapshot and the log after it). */
export function storedDoc(stored: StoredDocument): Y.Doc {
  const doc = new Y.Doc({ gc: true })
  const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : [...stored.updates]
  if (parts.length > 0) Y.applyUpdate(doc, Y.mergeUpdates(parts))
  return doc
}
