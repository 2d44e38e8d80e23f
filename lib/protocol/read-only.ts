import type { IncomingMessage } from './decode'

/**
 * The read-only rule of y-protocols: a client without write access may send sync step 1,
 * awareness and queries, but never sync step 2 or update (frames starting [0,1,…] or [0,2,…]).
 */
export function isDocumentWrite(message: IncomingMessage): boolean {
  return message.kind === 'sync-step2' || message.kind === 'update'
}
