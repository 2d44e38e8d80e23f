/**
 * Names of the shared types inside every Tandem Y.Doc. The server reads the title from the
 * document itself (so a rename through the REST API and a title typed in the editor are the
 * same change), and the editor binds Tiptap to the content fragment.
 */
export const CONTENT_FIELD = 'content'
export const TITLE_FIELD = 'title'
/**
 * A Y.Map of the document's history events, so every client can show them: `lastRestore` is
 * the latest restore of an earlier version (see LastRestore), written in the same change as
 * the restore itself.
 */
export const HISTORY_FIELD = 'history'

/** The value of `lastRestore` in the HISTORY_FIELD map. Times are milliseconds since the epoch. */
export interface LastRestore {
  readonly versionId: string
  readonly versionName: string | null
  readonly versionCreatedAt: number
  readonly by: { readonly name: string; readonly color?: string }
  readonly at: number
}

/** Longest title the server keeps in document metadata (the Y.Text itself is not cut). */
export const MAX_TITLE_LENGTH = 200

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/**
 * `text` cut to at most `maxLength` UTF-16 code units without splitting what a reader sees as
 * one character: a surrogate pair (emoji), a flag, a letter with combining marks. A plain
 * `slice` can leave half an emoji, which every replica then shows as garbage.
 */
export function clampText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text
  let end = 0
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > maxLength) break
    end = index + segment.length
  }
  return text.slice(0, end)
}

/**
 * Document ids: 1–128 characters of A–Z a–z 0–9 _ - . and never "." or "..". Anything else
 * is refused before a WebSocket opens, so an id is always safe in a URL path and a file name.
 */
const DOC_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/

/** What a client is told when its document id breaks the rule above (HTTP 400). */
export const INVALID_DOC_ID_MESSAGE = 'invalid document id: 1–128 characters of A–Z a–z 0–9 _ - . (not . or ..)'

export function isValidDocId(id: string): boolean {
  return DOC_ID_PATTERN.test(id) && id !== '.' && id !== '..'
}
