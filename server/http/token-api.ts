import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { INVALID_DOC_ID_MESSAGE, isValidDocId } from '../../lib/protocol'
import type { Authenticator } from '../auth/authenticator'
import { HttpError, parseBody, readJson, sendJson } from './respond'

/**
 * Tokens for the app's own pages, minted server-side so the browser never sees the secret:
 *   POST /api/tokens {docId, name?}            a short-lived connection token for one document,
 *                                              exchanged for the caller's token (a share link's)
 *   POST /api/docs/<id>/links {role, expiresInDays?}   a share link (view-only or edit)
 *   GET  /api/session                           what the caller's token grants
 * In open mode there is nothing to mint: everyone may edit, and links are plain URLs.
 */
const SESSION_TOKEN_SECONDS = 60 * 60
const exchangeBody = z.object({ docId: z.string(), name: z.string().trim().min(1).max(100).optional() }).strict()
const linkBody = z.object({ role: z.enum(['viewer', 'editor']), expiresInDays: z.number().int().min(1).max(365).default(30) }).strict()

export class TokenApi {
  constructor(private readonly auth: Authenticator) {}

  /** GET /api/session: who the Bearer token says the caller is (open mode: auth false). */
  async session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed on /api/session`)
    const identity = await this.auth.authorizeRequest(req, null, 'viewer')
    if (!identity) return sendJson(res, 200, { auth: false, role: 'editor' })
    sendJson(res, 200, {
      auth: true,
      userId: identity.userId,
      name: identity.name,
      role: identity.role,
      docs: identity.docs,
      expiresAt: new Date(identity.expiresAt).toISOString(),
    })
  }

  /** POST /api/tokens */
  async exchange(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on /api/tokens`)
    const body = parseBody(exchangeBody, await readJson(req))
    if (!isValidDocId(body.docId)) throw new HttpError(400, INVALID_DOC_ID_MESSAGE)
    // The page learns here, over HTTP, what the WebSocket upgrade would refuse without saying why.
    this.auth.checkOrigin(req)
    const tokens = this.auth.tokenService
    if (!tokens) return sendJson(res, 200, { auth: false, token: null, role: 'editor', name: body.name ?? null })
    const caller = await this.auth.authorizeRequest(req, body.docId, 'viewer')
    if (!caller) throw new HttpError(500, 'auth is on but no identity was established')
    if (!tokens.canMint) throw new HttpError(409, 'this server only verifies tokens minted by another service')
    const name = caller.name ?? body.name ?? 'Guest'
    // Never outlive the token it was exchanged for (a share link that expires sooner).
    const ttl = Math.min(SESSION_TOKEN_SECONDS, Math.floor((caller.expiresAt - Date.now()) / 1000))
    if (ttl <= 0) throw new HttpError(401, 'the token has expired')
    const minted = await tokens.mint({ sub: caller.userId, name, docs: [body.docId], role: caller.role }, ttl)
    sendJson(res, 200, { auth: true, token: minted.token, expiresAt: minted.expiresAt.toISOString(), role: caller.role, name })
  }

  /** POST /api/docs/<id>/links */
  async createLink(req: IncomingMessage, res: ServerResponse, docId: string): Promise<void> {
    const body = parseBody(linkBody, await readJson(req))
    const tokens = this.auth.tokenService
    if (!tokens) {
      if (body.role === 'viewer') {
        throw new HttpError(409, 'view-only links need auth: start the server with TANDEM_AUTH_SECRET set')
      }
      return sendJson(res, 201, { auth: false, role: 'editor', url: `/d/${docId}`, expiresAt: null })
    }
    await this.auth.authorizeRequest(req, docId, 'editor')
    if (!tokens.canMint) throw new HttpError(409, 'this server only verifies tokens minted by another service')
    const sub = `link-${randomBytes(6).toString('base64url')}`
    const minted = await tokens.mint({ sub, docs: [docId], role: body.role }, body.expiresInDays * 24 * 60 * 60)
    sendJson(res, 201, {
      auth: true,
      role: body.role,
      url: `/d/${docId}?token=${minted.token}`,
      token: minted.token,
      linkId: sub,
      expiresAt: minted.expiresAt.toISOString(),
    })
  }
}
