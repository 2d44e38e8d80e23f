import { SignJWT } from 'jose'

export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long'

/** Signs a token the way any service would (HS256 unless a key and algorithm are given). */
export async function signToken(
  claims: Record<string, unknown>,
  options: { secret?: string; expiresIn?: number; issuedAt?: number; omitExp?: boolean } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(options.issuedAt ?? now)
  if (!options.omitExp) jwt = jwt.setExpirationTime(now + (options.expiresIn ?? 600))
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_SECRET))
}

export function editorToken(sub: string, docs: string[] = ['*'], name?: string): Promise<string> {
  return signToken({ sub, docs, role: 'editor', ...(name ? { name } : {}) })
}
