import { oneLine } from '../documents/digest'
import type { ListedDocument } from '../storage/storage'
import { HttpError } from './respond'

/** Longest `q` accepted, and most words in it. */
export const MAX_QUERY_LENGTH = 200
export const MAX_QUERY_TERMS = 10
/** Most results a search answers with (most recently edited first). */
export const MAX_SEARCH_RESULTS = 50
/** Characters of text a snippet shows, about a quarter of them before the first match. */
const SNIPPET_LENGTH = 160
const SNIPPET_LEAD = 40

/**
 * The words of a search, lowercased as the stored search text is (JavaScript's full Unicode
 * lowercasing), without repeats; a document matches when its title or text contains each.
 */
export function searchTerms(q: string): string[] {
  if (q.length > MAX_QUERY_LENGTH) throw new HttpError(400, `q is longer than ${MAX_QUERY_LENGTH} characters`)
  const terms = [
    ...new Set(
      q
        .toLowerCase()
        .split(/\s+/u)
        .filter((term) => term !== ''),
    ),
  ]
  if (terms.length > MAX_QUERY_TERMS) throw new HttpError(400, `q has more than ${MAX_QUERY_TERMS} words`)
  return terms
}

/** A part of a snippet's text that matched a search word (UTF-16 offsets, as JavaScript strings index). */
export interface Highlight {
  readonly start: number
  readonly length: number
}

export interface Snippet {
  readonly text: string
  readonly highlights: readonly Highlight[]
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')
}

/**
 * A line of the text around the first place any of `terms` occurs, cut at spaces, with "…"
 * where it was cut and where each term occurs in it; null when the text holds none of them
 * (the title matched). Plain text and offsets, never markup: the client emphasises safely.
 */
export function snippetOf(text: string, terms: readonly string[]): Snippet | null {
  if (terms.length === 0) return null
  const line = oneLine(text)
  // Longest first, so a word that contains another is emphasised whole.
  const alternatives = [...terms].sort((a, b) => b.length - a.length).map(escapeRegExp)
  const pattern = new RegExp(alternatives.join('|'), 'giu')
  const first = pattern.exec(line)
  if (!first) return null
  let start = Math.max(0, first.index - SNIPPET_LEAD)
  if (start > 0) {
    const space = line.indexOf(' ', start)
    start = space === -1 || space >= first.index ? start : space + 1
  }
  let end = Math.min(line.length, start + SNIPPET_LENGTH)
  if (end < line.length) {
    const space = line.lastIndexOf(' ', end)
    const matchEnd = first.index + first[0].length
    end = space > matchEnd ? space : Math.max(end, matchEnd)
  }
  const prefix = start > 0 ? '…' : ''
  const body = line.slice(start, end)
  const highlights: Highlight[] = []
  pattern.lastIndex = 0
  for (const match of body.matchAll(pattern)) {
    highlights.push({ start: prefix.length + (match.index ?? 0), length: match[0].length })
  }
  return { text: `${prefix}${body}${end < line.length ? '…' : ''}`, highlights }
}

/**
 * Whether the list shows a document: one nobody named and nobody wrote in (opened, or created
 * and left empty) is not worth a row (L8). An unknown digest (not computed yet) shows it.
 */
export function isListed(doc: ListedDocument): boolean {
  return doc.title !== '' || doc.hasContent !== false
}
