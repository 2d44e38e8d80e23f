/**
 * The page side of access tokens. A link carries `?token=<jwt>`; the page remembers it as this
 * origin's one "access token" (localStorage, so coming back later works) and removes it from
 * the address bar so it is not shared by accident. The token is never verified here (the
 * browser never sees the secret): its claims are read only as hints for the UI, and the
 * server decides every request.
 */
import type { KeyValueStore } from './identity'

export const ACCESS_TOKEN_KEY = 'tandem:access-token'
export const TOKEN_PARAM = 'token'

export type AccessRole = 'viewer' | 'commenter' | 'editor'

/** The claims Tandem reads (see the README's Security section); any may be missing. */
export interface TokenClaims {
  sub?: string
  name?: string
  docs?: string[]
  role?: AccessRole
  /** Seconds since the epoch. */
  exp?: number
  iat?: number
}

const ROLES: readonly string[] = ['viewer', 'commenter', 'editor']

function base64UrlDecode(segment: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return null
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (segment.length % 4)) % 4)
  try {
    const binary = atob(base64)
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    return new TextDecoder().decode(bytes)
  } catch {
    return null
  }
}

/** Reads a JWT's payload WITHOUT verifying it (UI hints only); null when it is not a JWT. */
export function decodeTokenClaims(token: string | null | undefined): TokenClaims | null {
  if (typeof token !== 'string') return null
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return null
  const json = base64UrlDecode(parts[1])
  if (json === null) return null
  let payload: unknown
  try {
    payload = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null
  const p = payload as Record<string, unknown>
  const claims: TokenClaims = {}
  if (typeof p.sub === 'string') claims.sub = p.sub
  if (typeof p.name === 'string' && p.name.trim()) claims.name = p.name
  if (Array.isArray(p.docs)) claims.docs = p.docs.filter((d): d is string => typeof d === 'string')
  if (typeof p.role === 'string' && ROLES.includes(p.role)) claims.role = p.role as AccessRole
  if (typeof p.exp === 'number') claims.exp = p.exp
  if (typeof p.iat === 'number') claims.iat = p.iat
  return claims
}

/** Only editors change documents; viewers and commenters read and show presence. */
export function roleCanEdit(role: AccessRole | null | undefined): boolean {
  return role === 'editor'
}

/** Mirrors the server's rule (exact id, `prefix*`, or `*`), for UI hints only. */
export function docsGrant(docs: readonly string[] | undefined, docId: string): boolean {
  return (docs ?? []).some((pattern) => (pattern.endsWith('*') ? docId.startsWith(pattern.slice(0, -1)) : pattern === docId))
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
