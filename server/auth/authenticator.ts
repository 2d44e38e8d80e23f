import type { IncomingMessage } from 'node:http'
import { grantsDocument, type Role, roleAtLeast } from '../../lib/protocol'
import type { Refusal } from '../transport/refusal'
import { AuthError } from './auth-error'
import type { Identity } from './claims'
import type { RevocationList } from './revocations'
import type { TokenService } from './tokens'

/**
 * Decides who may connect and call the API. In open mode (no secret or public key configured)
 * everyone may do everything and the identity is null; with tokens on, every WebSocket and
 * every /api call needs a valid, unrevoked token that grants the document and role.
 */
export class Authenticator {
  constructor(
    private readonly tokens: TokenService | null,
    private readonly revocations: RevocationList,
    private readonly allowedOrigins: readonly string[],
  ) {}

  get enabled(): boolean {
    return this.tokens !== null
  }

  get tokenService(): TokenService | null {
    return this.tokens
  }

  /** Browsers always send Origin on WebSocket upgrades; non-browser clients may omit it. */
  checkOrigin(request: IncomingMessage): void {
    if (this.allowedOrigins.length === 0) return
    const origin = request.headers.origin
    if (origin !== undefined && !this.allowedOrigins.includes(origin)) throw new AuthError('OriginNotAllowed')
  }

  /**
   * For a WebSocket upgrade: the Origin, then the token from `?token=` (browsers cannot set
   * headers there). Resolves with the identity (null in open mode) or with the refusal, whose
   * reason is the failure's name; it rejects only on an unexpected error.
   */
  async authorizeConnection(request: IncomingMessage, docId: string): Promise<Identity | null | Refusal> {
    try {
      this.checkOrigin(request)
      if (!this.tokens) return null
      const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token')
      return this.check(await this.tokens.verify(token), docId, 'viewer')
    } catch (err) {
      if (!(err instanceof AuthError)) throw err
      return { status: err.status, reason: err.failure, message: err.message }
    }
  }

  /** For an API call: the token comes from `Authorization: Bearer`. */
  async authorizeRequest(request: IncomingMessage, docId: string | null, needed: Role): Promise<Identity | null> {
    if (!this.tokens) return null
    return this.check(await this.tokens.verify(bearerToken(request)), docId, needed)
  }

  /**
   * For reading a document's file (server rule F4): the token from `Authorization: Bearer` or,
   * because an <img> cannot send headers, from `?token=`. Only file reads take a query token:
   * they change nothing, and every other call keeps tokens out of URLs.
   */
  async authorizeFileRead(request: IncomingMessage, docId: string): Promise<Identity | null> {
    if (!this.tokens) return null
    const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token')
    return this.check(await this.tokens.verify(bearerToken(request) ?? query), docId, 'viewer')
  }

  private check(identity: Identity, docId: string | null, needed: Role): Identity {
    if (this.revocations.isRevoked(identity, docId)) throw new AuthError('Revoked')
    if (docId !== null && !grantsDocument(identity.docs, docId)) throw new AuthError('WrongDocument')
    if (!roleAtLeast(identity.role, needed)) throw new AuthError('InsufficientRole')
    return identity
  }
}

export function bearerToken(request: IncomingMessage): string | null {
  const header = request.headers.authorization
  if (!header) return null
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1] ?? null
}
