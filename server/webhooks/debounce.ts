/**
 * `document.updated` is debounced per document, durably. Every append marks its documents
 * dirty in the same transaction (webhook_dirty: first and last change time, the title if it
 * changed, the editors); the dispatcher turns a mark into events once the document has been
 * quiet for QUIET_MS, or once its first unannounced change is MAX_DELAY_MS old, and removes the
 * mark in the same transaction. A crash leaves the mark, so the event still goes after restart.
 *
 * Why at most one event per QUIET_MS: a mark is removed when its events are written, and a
 * new mark starts with a later change, whose events wait for QUIET_MS of quiet or MAX_DELAY_MS.
 */
export const QUIET_MS = 2_000
export const MAX_DELAY_MS = 10_000

/** The change times before which a mark is due: `lastBefore` (quiet) or `firstBefore` (too old). */
export function dueThresholds(now: number, pollMs: number): { lastBefore: number; firstBefore: number } {
  // The dispatcher looks every pollMs, so a mark is taken up to pollMs early to keep the bound.
  return { lastBefore: now - QUIET_MS, firstBefore: now - Math.max(0, MAX_DELAY_MS - pollMs) }
}
