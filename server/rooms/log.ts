/**
 * The logging rooms need, in pino's call shape (`log.warn({ err, docId }, 'message')`).
 * A pino logger satisfies it as it is; tests may pass anything with these four methods.
 */
export interface Log {
  debug(fields: object, message: string): void
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}
