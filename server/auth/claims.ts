import { z } from 'zod'
import { ROLES, type Role } from '../../lib/protocol'

/**
 * The token claims any service can mint (JWT, HS256 with the shared secret, or RS256/ES256
 * verified with a public key):
 *   sub   user id
 *   name  display name (shown to others; overrides what the client claims)
 *   docs  document ids, prefixes ending in "*", or ["*"] for all
 *   role  viewer | commenter | editor
 *   exp   expiry (seconds since the epoch) — required
 *   iat   issue time; tokens issued at or before a revocation are refused
 */

export const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  name: z.string().min(1).max(100).optional(),
  docs: z.array(z.string().min(1).max(129)).min(1).max(1000),
  role: z.enum(ROLES),
  exp: z.number(),
  iat: z.number().optional(),
})
export type Claims = z.infer<typeof claimsSchema>

/** Who is on the other end of a connection or request, as far as the server has verified. */
export interface Identity {
  readonly userId: string
  readonly name: string | null
  readonly role: Role
  readonly docs: readonly string[]
  /** Issue time in ms since the epoch (0 when the token had none). */
  readonly issuedAt: number
  /** Expiry in ms since the epoch. */
  readonly expiresAt: number
}

export function identityFromClaims(claims: Claims): Identity {
  return {
    userId: claims.sub,
    name: claims.name ?? null,
    role: claims.role,
    docs: claims.docs,
    issuedAt: (claims.iat ?? 0) * 1000,
    expiresAt: claims.exp * 1000,
  }
}
