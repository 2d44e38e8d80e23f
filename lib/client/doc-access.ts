/**
 * Access to one document, decided over HTTP before any WebSocket opens (a refused upgrade
 * gives the browser no status at all, only a failed connection):
 *
 *   POST /api/tokens {docId, name?}  with `Authorization: Bearer <access token>`
 *     open mode      → {auth: false}                    everyone may edit, no tokens
 *     auth on        → {auth: true, token, role, name}  a one-hour session token for this doc
 *     401 / 403      → {error, reason}                  no access, and why
 *
 * `createDocAccess` keeps that answer current: it re-exchanges before the session token
 * expires, and again when a connection attempt fails or the server closes the socket with
 * 4401/4403, so a reconnect uses a fresh token (y-websocket reads `provider.params` each time
 * it opens a socket) and a revoked or expired link turns into a clear "denied" state instead
 * of endless reconnecting.
 */
import { type AccessFailure, isAccessFailure, type Role } from '../protocol/access'
import { CloseCode } from '../protocol/close-codes'
import { type ReadonlySignal, Signal } from './signal'
import { decodeTokenClaims } from './tokens'

/** Why access was refused: a failure the server named, or 'Unknown' when it named none we know. */
export type AccessDenialReason = AccessFailure | 'Unknown'

export type AccessState =
  /** The first check has not answered yet. */
  | { status: 'checking' }
  /** Auth is off on this server: everyone may read and edit; no token is needed. */
  | { status: 'open' }
  | {
      status: 'granted'
      /** The token for the WebSocket (`?token=`) and API calls (`Bearer`). */
      token: string
      role: Role
      /** The name others see (from the token, or the name sent with the exchange). */
      name: string | null
      /** True when the access token itself names the person (their name cannot be changed here). */
      nameFromToken: boolean
      /** The name this exchange asked for (null: none), to tell when a new name has arrived. */
      requestedName: string | null
      /** When to exchange again, and when the token stops working (this page's clock, ms). */
      refreshAt: number
      expiresAt: number
    }
  | { status: 'denied'; reason: AccessDenialReason; httpStatus: number; message: string }
  /** The server could not be asked (network down, server error); retried automatically. */
  | { status: 'unreachable'; message: string }

export type GrantedAccess = Extract<AccessState, { status: 'granted' }>

export interface ExchangeOptions {
  docId: string
  /** The token from the link (or remembered); null when there is none. */
  accessToken: string | null
  /** Display name to put in the session token when the access token carries none. */
  name?: string | null
  /** Origin of the Tandem server; empty for same-origin. */
  baseUrl?: string
  fetch?: typeof fetch
  now?: () => number
}

/** Refresh once this share of a session token's lifetime has passed. */
export const REFRESH_AT_FRACTION = 0.8

function errorMessage(data: unknown, fallback: string): string {
  const error = (data as { error?: unknown } | null)?.error
  return typeof error === 'string' && error ? error : fallback
}

/**
 * Lifetime of a token on this page's clock: taken from its own `exp - iat` when it has both
 * (immune to clock skew between browser and server), else from `expiresAt`.
 */
function localLifetime(token: string, expiresAtIso: unknown, now: number): number {
  const claims = decodeTokenClaims(token)
  if (claims?.exp !== undefined && claims.iat !== undefined && claims.exp > claims.iat) return (claims.exp - claims.iat) * 1000
  const expiresAt = typeof expiresAtIso === 'string' ? Date.parse(expiresAtIso) : Number.NaN
  if (claims?.exp !== undefined && Number.isNaN(expiresAt)) return Math.max(0, claims.exp * 1000 - now)
  return Number.isNaN(expiresAt) ? 60 * 60 * 1000 : Math.max(0, expiresAt - now)
}

function granted(
  token: string,
  role: Role,
  name: string | null,
  nameFromToken: boolean,
  requestedName: string | null,
  lifetimeMs: number,
  now: number,
): GrantedAccess {
  return {
    status: 'granted',
    token,
    role,
    name,
    nameFromToken,
    requestedName,
    refreshAt: now + Math.floor(lifetimeMs * REFRESH_AT_FRACTION),
    expiresAt: now + lifetimeMs,
  }
}

/** One exchange: what the server says about this document for this access token. */
export async function exchangeToken(options: ExchangeOptions): Promise<AccessState> {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '')
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const now = options.now ?? Date.now
  const accessClaims = decodeTokenClaims(options.accessToken)
  const name = options.name?.trim() || undefined
  let response: Response
  try {
    response = await doFetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {}),
      },
      body: JSON.stringify({ docId: options.docId, ...(name ? { name } : {}) }),
    })
  } catch (error) {
    return { status: 'unreachable', message: error instanceof Error ? error.message : 'network error' }
  }
  let data: unknown = null
  try {
    const text = await response.text()
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  const body = (data ?? {}) as Record<string, unknown>
  const receivedAt = now()

  if (response.ok) {
    if (body.auth === false) return { status: 'open' }
    if (body.auth === true && typeof body.token === 'string') {
      const role = (['viewer', 'commenter', 'editor'] as const).find((r) => r === body.role) ?? 'viewer'
      const returnedName = typeof body.name === 'string' ? body.name : null
      const lifetime = localLifetime(body.token, body.expiresAt, receivedAt)
      return granted(body.token, role, returnedName, accessClaims?.name !== undefined, name ?? null, lifetime, receivedAt)
    }
    return { status: 'unreachable', message: 'unexpected answer from /api/tokens' }
  }
  if (response.status === 401 || response.status === 403) {
    const reason = isAccessFailure(body.reason) ? body.reason : 'Unknown'
    return { status: 'denied', reason, httpStatus: response.status, message: errorMessage(data, `HTTP ${response.status}`) }
  }
  // 409: the server verifies tokens minted by another service and cannot mint session tokens.
  // It answers that only after accepting the caller's token for this document, so the access
  // token itself is the one to connect with.
  if (response.status === 409 && options.accessToken) {
    const role = accessClaims?.role ?? 'viewer'
    const lifetime = accessClaims?.exp !== undefined ? Math.max(0, accessClaims.exp * 1000 - receivedAt) : 60 * 60 * 1000
    return granted(
      options.accessToken,
      role,
      accessClaims?.name ?? name ?? null,
      accessClaims?.name !== undefined,
      name ?? null,
      lifetime,
      receivedAt,
    )
  }
  return { status: 'unreachable', message: errorMessage(data, `HTTP ${response.status}`) }
}

/**
 * Whether this server runs with auth, asked without credentials (`POST /api/tokens` answers
 * `{auth: false}` in open mode and 401 with auth on). Mints nothing and lists nothing.
 */
export async function fetchAuthMode(options: { baseUrl?: string; fetch?: typeof fetch } = {}): Promise<'open' | 'auth' | 'unknown'> {
  const state = await exchangeToken({ ...options, docId: 'auth-probe', accessToken: null })
  if (state.status === 'open') return 'open'
  if (state.status === 'denied') return 'auth'
  return 'unknown'
}

export interface DocAccessOptions extends Omit<ExchangeOptions, 'name'> {
  name?: string | null
  /** Least time between re-checks caused by failed connection attempts (default 20 s). */
  recheckIntervalMs?: number
  /** Retry delays while the server cannot be asked (default 2 s doubling to 15 s). */
  retryMinMs?: number
  retryMaxMs?: number
  setTimeout?: (callback: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
}

export interface ConnectionTrouble {
  /** The close code, or null for a connection closed by this page. */
  code: number | null
  /** Whether the socket had opened (false: the attempt failed, e.g. a refused upgrade). */
  opened: boolean
}

export interface DocAccess {
  readonly docId: string
  readonly state: ReadonlySignal<AccessState>
  /** The token to connect and call the API with now (null in open mode or before access). */
  readonly token: string | null
  /** Asks the server again (concurrent calls share one request). */
  check(): Promise<AccessState>
  /** The person's chosen name; re-exchanges when the session token should carry it. */
  setName(name: string | null): void
  /** Tell it that a connection failed or was closed: it re-checks over HTTP when that can help. */
  connectionTrouble(event: ConnectionTrouble): void
  destroy(): void
}

/** Keeps one document's access current (see the module comment). */
export function createDocAccess(options: DocAccessOptions): DocAccess {
  const now = options.now ?? Date.now
  const schedule = options.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms))
  const cancel = options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>))
  const recheckIntervalMs = options.recheckIntervalMs ?? 20_000
  const retryMinMs = options.retryMinMs ?? 2_000
  const retryMaxMs = options.retryMaxMs ?? 15_000

  const state = new Signal<AccessState>({ status: 'checking' })
  let name = options.name?.trim() || null
  let inFlight: Promise<AccessState> | null = null
  let again = false
  let timer: unknown = null
  let retries = 0
  let lastCheckAt = Number.NEGATIVE_INFINITY
  let destroyed = false

  const clearTimer = () => {
    if (timer !== null) cancel(timer)
    timer = null
  }
  const scheduleCheck = (delayMs: number) => {
    clearTimer()
    timer = schedule(
      () => {
        timer = null
        void check()
      },
      Math.max(0, delayMs),
    )
  }

  const apply = (result: AccessState, fallbackDenial: AccessDenialReason | null): AccessState => {
    const previous = state.value
    if (result.status === 'unreachable') {
      if (fallbackDenial) {
        // The server itself closed our socket as unauthorised; without a better answer, say so.
        const denied: AccessState = {
          status: 'denied',
          reason: fallbackDenial,
          httpStatus: fallbackDenial === 'Revoked' ? 403 : 401,
          message: result.message,
        }
        state.set(denied)
        return denied
      }
      retries += 1
      const delay = Math.min(retryMaxMs, retryMinMs * 2 ** (retries - 1))
      if (previous.status === 'granted' || previous.status === 'open') {
        // Keep working with what we have; the socket reports its own trouble. Retry soon.
        scheduleCheck(delay)
        return previous
      }
      state.set(result)
      scheduleCheck(delay)
      return result
    }
    retries = 0
    clearTimer()
    // (At least a second apart, whatever the token says, so a bad clock cannot make a loop.)
    if (result.status === 'granted') scheduleCheck(Math.max(1_000, result.refreshAt - now()))
    state.set(result)
    return result
  }

  let pendingFallback: AccessDenialReason | null = null
  const run = async (): Promise<AccessState> => {
    let result: AccessState
    do {
      again = false
      lastCheckAt = now()
      const fallback = pendingFallback
      pendingFallback = null
      const answer = await exchangeToken({ ...options, name })
      if (destroyed) return state.value
      result = apply(answer, fallback)
    } while (again && !destroyed)
    return result
  }

  function check(fallbackDenial: AccessDenialReason | null = null): Promise<AccessState> {
    if (destroyed) return Promise.resolve(state.value)
    if (fallbackDenial) pendingFallback = fallbackDenial
    if (inFlight) {
      // Something changed while asking (a new name): ask once more when this answer lands.
      again = true
      return inFlight
    }
    inFlight = run().finally(() => {
      inFlight = null
    })
    return inFlight
  }

  return {
    docId: options.docId,
    state,
    get token() {
      const current = state.value
      return current.status === 'granted' ? current.token : null
    },
    check: () => check(),
    setName(next) {
      const normalized = next?.trim() || null
      if (normalized === name) return
      name = normalized
      const current = state.value
      if (current.status === 'granted' && !current.nameFromToken && current.requestedName !== normalized) void check()
    },
    connectionTrouble({ code, opened }) {
      if (destroyed || code === null) return
      const current = state.value
      if (current.status === 'denied') return
      if (code === CloseCode.Forbidden.code || code === CloseCode.Unauthorized.code) {
        void check(code === CloseCode.Forbidden.code ? 'Revoked' : 'Expired')
        return
      }
      if (opened) return
      // A failed attempt: a refused upgrade looks exactly like a network error. Ask over HTTP
      // at once when our token has (nearly) run out, else now and then (revoked meanwhile?).
      const expired = current.status === 'granted' && now() >= current.expiresAt - 10_000
      if (expired || now() - lastCheckAt >= recheckIntervalMs) void check()
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      clearTimer()
      state.clear()
    },
  }
}

/** What `bindDocAccess` needs from a connection (a `TandemConnection` fits). */
export interface AccessBindable {
  readonly provider: {
    readonly wsconnected: boolean
    shouldConnect: boolean
    connect(): void
    disconnect(): void
    on(event: 'connection-close', listener: (event: CloseEvent | null) => void): void
    off(event: 'connection-close', listener: (event: CloseEvent | null) => void): void
    on(event: 'closed', listener: (event: { code: number; reason: string }) => void): void
    off(event: 'closed', listener: (event: { code: number; reason: string }) => void): void
  }
  setToken(token: string | null): void
  reconnect(): void
}

/**
 * Connects a DocAccess to a connection: every fresh token goes into the provider's params
 * (used by the next socket; the open one stays), a new name reconnects (the server takes the
 * name from the token), a denial stops reconnecting, and closes are reported back.
 * Returns the unbind function.
 */
export function bindDocAccess(connection: AccessBindable, access: DocAccess): () => void {
  const { provider } = connection
  let lastName: string | null | undefined
  let stoppedByServer = false

  const onState = (current: AccessState) => {
    if (current.status === 'granted') {
      connection.setToken(current.token)
      const renamed = lastName !== undefined && lastName !== current.name
      lastName = current.name
      if (stoppedByServer) {
        stoppedByServer = false
        provider.connect()
      } else if (renamed) {
        connection.reconnect()
      }
    } else if (current.status === 'open') {
      connection.setToken(null)
      if (stoppedByServer) {
        stoppedByServer = false
        provider.connect()
      }
    } else if (current.status === 'denied') {
      provider.disconnect()
    }
  }
  const onConnectionClose = (event: CloseEvent | null) => {
    access.connectionTrouble({ code: event ? event.code : null, opened: provider.wsconnected })
  }
  const onClosed = () => {
    stoppedByServer = true
  }
  onState(access.state.value)
  const unsubscribe = access.state.subscribe(onState)
  provider.on('connection-close', onConnectionClose)
  provider.on('closed', onClosed)
  return () => {
    unsubscribe()
    provider.off('connection-close', onConnectionClose)
    provider.off('closed', onClosed)
  }
}
