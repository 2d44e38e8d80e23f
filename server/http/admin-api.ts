import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { INVALID_DOC_ID_MESSAGE, isValidDocId } from '../../lib/protocol'
import { bearerToken } from '../auth/authenticator'
import type { RevocationList } from '../auth/revocations'
import type { Revocation } from '../storage/revocation-store'
import type { WebhookAdminRoutes } from '../webhooks/admin-routes'
import { HttpError, parseBody, readJson, sendJson } from './respond'

/**
 * The admin API, authenticated with the admin secret (`Authorization: Bearer <secret>`):
 *   POST /api/admin/revocations {user?, document?}  revoke; open connections close at once (4403)
 *   GET  /api/admin/revocations                     list
 *   /api/admin/webhooks…                            webhook endpoints (server/webhooks/admin-routes.ts)
 * Without an admin secret the revocations are off (there are no tokens to revoke), and the
 * webhooks answer without authentication in open mode only (no token check configured at all:
 * anyone may already read, edit and delete everything, Z8).
 */
export interface AdminApiDeps {
  readonly adminSecret: string | null
  readonly revocations: RevocationList
  /** Closes the open connections the revocations now refuse (4403); returns how many. */
  readonly closeRevoked: () => number
  /** Tells the other servers of a cluster, which close theirs too. */
  readonly announce?: (revocation: Revocation) => void
  readonly now: () => number
  /** No token check is configured at all (Z8). */
  readonly openMode: boolean
  /** The webhook routes; null when the storage cannot hold an outbox (memory). */
  readonly webhooks: WebhookAdminRoutes | null
}

const revokeBody = z
  .object({ user: z.string().min(1).max(256).optional(), document: z.string().optional() })
  .strict()
  .refine((body) => body.user !== undefined || body.document !== undefined, 'give user, document or both')

export class AdminApi {
  private readonly secretDigest: Buffer | null

  constructor(private readonly deps: AdminApiDeps) {
    this.secretDigest = deps.adminSecret ? digest(deps.adminSecret) : null
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/api/admin/webhooks' || url.pathname.startsWith('/api/admin/webhooks/')) {
      if (this.secretDigest || !this.deps.openMode) this.authenticate(req)
      if (!this.deps.webhooks) throw new HttpError(404, 'webhooks need durable storage (sqlite or postgres), not memory')
      return this.deps.webhooks.handle(req, res, url)
    }
    this.authenticate(req)
    if (url.pathname !== '/api/admin/revocations') throw new HttpError(404, 'no such admin endpoint')
    if (req.method === 'GET') return sendJson(res, 200, { revocations: await this.deps.revocations.stored() })
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed here`)
    const { user, document } = parseBody(revokeBody, await readJson(req))
    if (document !== undefined && !isValidDocId(document)) throw new HttpError(400, INVALID_DOC_ID_MESSAGE)
    const at = this.deps.now()
    const revoked: Revocation[] = []
    if (user !== undefined) revoked.push({ kind: 'user', id: user, at })
    if (document !== undefined) revoked.push({ kind: 'document', id: document, at })
    for (const revocation of revoked) await this.deps.revocations.revoke(revocation.kind, revocation.id, at)
    for (const revocation of revoked) this.deps.announce?.(revocation)
    const closed = this.deps.closeRevoked()
    sendJson(res, 200, { revokedAt: new Date(at).toISOString(), user: user ?? null, document: document ?? null, closedConnections: closed })
  }

  private authenticate(req: IncomingMessage): void {
    if (!this.secretDigest) throw new HttpError(404, 'the admin API is off: set TANDEM_ADMIN_SECRET or TANDEM_AUTH_SECRET')
    const token = bearerToken(req)
    if (!token || !timingSafeEqual(digest(token), this.secretDigest)) throw new HttpError(401, 'admin secret required')
  }
}

/** Comparing fixed-length digests keeps the comparison constant-time whatever the input length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
