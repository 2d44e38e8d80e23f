import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import { INVALID_DOC_ID_MESSAGE, isValidDocId } from '../../lib/protocol'
import type { Authenticator } from '../auth/authenticator'
import type { Identity } from '../auth/claims'
import type { ClientAddress } from '../http/client-address'
import type { Admission } from '../limits/admission'
import { isRefusal, type Refusal } from './refusal'

/**
 * Which upgrade paths are the sync server's: standalone it serves documents at /<docId> and
 * /collab/<docId>; inside the app only /collab/<docId> (every other upgrade is Next's).
 */
export type ServerMode = 'standalone' | 'app'

/** What an admitted upgrade carries into its connection. */
export interface Ticket {
  readonly docId: string
  readonly identity: Identity | null
  /** The client address the admission limits counted. */
  readonly address: string
}

export interface UpgradePolicyDeps {
  readonly mode: ServerMode
  readonly auth: Pick<Authenticator, 'authorizeConnection'>
  readonly admission: Admission
  readonly clientAddress: ClientAddress
  readonly logger: Logger
  /** An admission limit refused an upgrade (`tandem_limit_hits_total{kind}`). */
  readonly onLimitHit: (kind: string) => void
}

const INVALID_DOC_ID: Refusal = {
  status: 400,
  reason: 'invalid_document_id',
  message: INVALID_DOC_ID_MESSAGE,
}

/**
 * Decides each upgrade before any WebSocket exists, in this order: the path (not a sync path:
 * null, someone else's upgrade), the document id (400, U1), the Origin and the token (401 or
 * 403, Z1 Z2 Z5 Z6), then the admission limits (503 or 429, B1). Only a ticket is counted in
 * by admission; every ticket must be released exactly once, when its connection closes or
 * when it never becomes one.
 */
export class UpgradePolicy {
  constructor(private readonly deps: UpgradePolicyDeps) {}

  decide(request: IncomingMessage): null | Refusal | Promise<Ticket | Refusal> {
    const docId = syncDocId(request.url, this.deps.mode)
    if (docId === undefined) return null
    if (docId === null) return INVALID_DOC_ID
    return this.admit(request, docId)
  }

  release(ticket: Ticket): void {
    this.deps.admission.release(ticket.address, ticket.docId)
  }

  private async admit(request: IncomingMessage, docId: string): Promise<Ticket | Refusal> {
    const identity = await this.deps.auth.authorizeConnection(request, docId)
    if (isRefusal(identity)) {
      this.deps.logger.info({ docId, reason: identity.reason }, 'connection refused')
      return identity
    }
    const address = this.deps.clientAddress(request)
    const refusal = this.deps.admission.admit(address, docId)
    if (refusal) {
      this.deps.onLimitHit(refusal.reason)
      this.deps.logger.warn({ docId, address, limit: refusal.reason }, 'connection refused: limit reached')
      return refusal
    }
    return { docId, identity, address }
  }
}

/**
 * The document an upgrade URL asks for: undefined when the path is not a sync path in this
 * mode, null when it is one but the id is not valid (U1).
 */
function syncDocId(url: string | undefined, mode: ServerMode): string | null | undefined {
  const path = new URL(url ?? '/', 'http://localhost').pathname
  let docId: string
  if (path === '/collab' || path.startsWith('/collab/')) docId = path.slice('/collab/'.length)
  else if (mode === 'standalone') docId = path.slice(1)
  else return undefined
  return isValidDocId(docId) ? docId : null
}
