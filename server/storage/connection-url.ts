/**
 * What the start-up path needs to know about a database without loading its client: the error
 * the entry points print as one line, and a URL fit for a message. Kept apart from postgres.ts so
 * a server on SQLite or memory never loads `pg` (it is imported only when PostgreSQL is configured).
 */

/** PostgreSQL did not answer, or refused, at start: one line for the operator (server/bin/run.ts). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError'
}

/** A connection URL (PostgreSQL, Redis) without its password, for messages and the start banner. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the URL (unparsable)'
  }
}
