/**
 * The page side of access tokens. A link carries `?token=<jwt>`; the page remembers it as this
 * origin's one "access token" (localStorage, so coming back later works) and removes it from
 * the address bar so it is not shared by accident. The token is never verified here (the
 * browser never sees the secret): its claims are read only as hints for the UI, and the
 * server decides every request.
 */
import { decodeJwt } from 'jose'
import { isRole, type Role } from '../protocol/access'
import type { KeyValueStore } from './identity'

export const ACCESS_TOKEN_KEY = 'tandem:access-token'
export const TOKEN_PARAM = 'token'

/** The claims Tandem reads (see the README's Security section); any may be missing. */
export interface TokenClaims {
  sub?: string
  name?: string
  docs?: string[]
  role?: Role
  /** Seconds since the epoch. */
  exp?: number
  iat?: number
}

/** Reads a JWT's payload WITHOUT verifying it (UI hints only); null when it is not a JWT. */
export function decodeTokenClaims(token: string | null | undefined): TokenClaims | null {
  if (typeof token !== 'string') return null
  let payload: Record<string, unknown>
  try {
    payload = decodeJwt(token)
  } catch {
    return null
  }
  const claims: TokenClaims = {}
  if (typeof payload.sub === 'string') claims.sub = payload.sub
  if (typeof payload.name === 'string' && payload.name.trim()) claims.name = payload.name
  if (Array.isArray(payload.docs)) claims.docs = payload.docs.filter((d): d is string => typeof d === 'string')
  if (isRole(payload.role)) claims.role = payload.role
  if (typeof payload.exp === 'number') claims.exp = payload.exp
  if (typeof payload.iat === 'number') claims.iat = payload.iat
  return claims
}

/**
 * A prefix new documents can be created under (`''` for `*`), or null when the token names
 * only exact ids and so cannot create anything new.
 */
export function creatablePrefix(docs: readonly string[] | undefined): string | null {
  const prefixes = (docs ?? []).filter((pattern) => pattern.endsWith('*')).map((pattern) => pattern.slice(0, -1))
  if (prefixes.includes('')) return ''
  return prefixes[0] ?? null
}

/** Splits `?token=` off a URL: the token (null if absent) and the same URL without it. */
export function splitTokenFromUrl(href: string): { token: string | null; cleanUrl: string } {
  const url = new URL(href)
  const token = url.searchParams.get(TOKEN_PARAM)
  if (token === null) return { token: null, cleanUrl: href }
  url.searchParams.delete(TOKEN_PARAM)
  return { token: token.trim() || null, cleanUrl: url.toString() }
}

export function loadAccessToken(store: KeyValueStore | null): string | null {
  try {
    return store?.getItem(ACCESS_TOKEN_KEY) || null
  } catch {
    return null
  }
}

export function saveAccessToken(store: KeyValueStore | null, token: string): void {
  try {
    store?.setItem(ACCESS_TOKEN_KEY, token)
  } catch {
    // Storage unavailable (private mode): the token still works for this page view.
  }
}

export function forgetAccessToken(store: (KeyValueStore & { removeItem?(key: string): void }) | null): void {
  try {
    store?.removeItem?.(ACCESS_TOKEN_KEY)
  } catch {
    // nothing stored, nothing to forget
  }
}

export interface TokenPageWindow {
  location: { href: string }
  history: { replaceState(data: unknown, unused: string, url?: string | URL | null): void }
  localStorage?: KeyValueStore
  setTimeout?: (callback: () => void, ms: number) => unknown
}

/**
 * Call once per page load, in the browser: takes `?token=` from the address (remembering it as
 * this origin's access token) and returns the access token to use, the new one or the one
 * remembered from an earlier visit (null when there is none).
 *
 * The address is cleaned with `history.replaceState(null, …)` on the next task: Next.js
 * installs its history patch in an effect that runs after the page's own effects, and going
 * through that patch keeps its router in step with the new URL.
 */
export function takeAccessToken(win: TokenPageWindow = window): string | null {
  let store: KeyValueStore | null = null
  try {
    store = win.localStorage ?? null
  } catch {
    store = null
  }
  const { token, cleanUrl } = splitTokenFromUrl(win.location.href)
  if (cleanUrl !== win.location.href) {
    const clean = () => {
      // Only if nothing navigated meanwhile.
      if (splitTokenFromUrl(win.location.href).cleanUrl === cleanUrl && win.location.href !== cleanUrl) {
        win.history.replaceState(null, '', cleanUrl)
      }
    }
    if (win.setTimeout) win.setTimeout(clean, 0)
    else clean()
  }
  if (token) {
    saveAccessToken(store, token)
    return token
  }
  return loadAccessToken(store)
}

/**
 * The id this tab publishes as `user.id`. With auth on, the server writes the token's user id
 * into every presence it relays (Z4), so the tab must say the same of itself to be folded with
 * the person's other tabs; in open mode the browser profile's id is the person.
 */
export function personIdFor({ sessionToken, browserId }: { sessionToken: string | null; browserId: string }): string {
  return (sessionToken ? decodeTokenClaims(sessionToken)?.sub : undefined) ?? browserId
}
