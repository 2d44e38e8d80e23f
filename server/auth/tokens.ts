import { createPublicKey, type KeyObject } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { AuthError } from './auth-error'
import { type Claims, claimsSchema, type Identity, identityFromClaims } from './claims'

export type VerificationKey =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'public-key'; readonly pem: string; readonly algorithm: 'RS256' | 'ES256' }

/**
 * Verifies tokens. With a shared secret it also mints them (the app's own tokens and share
 * links); with only a public key, another service mints and Tandem verifies.
 */
export class TokenService {
  private readonly key: Uint8Array | KeyObject
  private readonly algorithms: string[]
  private readonly signingSecret: Uint8Array | null

  constructor(key: VerificationKey) {
    if (key.kind === 'secret') {
      this.key = new TextEncoder().encode(key.secret)
      this.algorithms = ['HS256']
      this.signingSecret = this.key
    } else {
      this.key = createPublicKey(key.pem)
      this.algorithms = [key.algorithm]
      this.signingSecret = null
    }
  }

  get canMint(): boolean {
    return this.signingSecret !== null
  }

  /** Resolves with the verified identity, or throws AuthError naming what was wrong. */
  async verify(token: string | null | undefined): Promise<Identity> {
    if (!token) throw new AuthError('MissingToken')
    let payload: unknown
    try {
      payload = (await jwtVerify(token, this.key, { algorithms: this.algorithms, requiredClaims: ['exp'] })).payload
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AuthError('Expired')
      if (err instanceof errors.JWSSignatureVerificationFailed) throw new AuthError('InvalidSignature')
      throw new AuthError('InvalidToken')
    }
    const claims = claimsSchema.safeParse(payload)
    if (!claims.success) throw new AuthError('InvalidToken')
    return identityFromClaims(claims.data)
  }

  /** Signs a token (HS256). `ttlSeconds` sets exp; iat is now. */
  async mint(claims: Omit<Claims, 'exp' | 'iat'>, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    if (!this.signingSecret) throw new Error('this server verifies tokens with a public key and cannot mint them')
    const now = Math.floor(Date.now() / 1000)
    const exp = now + ttlSeconds
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.signingSecret)
    return { token, expiresAt: new Date(exp * 1000) }
  }
}
