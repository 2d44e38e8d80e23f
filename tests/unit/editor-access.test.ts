import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { type AccessBindable, bindDocAccess, createDocAccess, exchangeToken, fetchAuthMode } from '../../lib/client/doc-access'
import { ACCESS_TOKEN_KEY, creatablePrefix, decodeTokenClaims, splitTokenFromUrl, takeAccessToken } from '../../lib/client/tokens'
import { grantsDocument, roleCanWrite } from '../../lib/protocol/access'

/** An unsigned JWT-shaped token (the client never verifies signatures). */
function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2ln`
}

function memoryStore() {
  const map = new Map<string, string>()
  return {
    map,
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
    removeItem: (key: string) => void map.delete(key),
  }
}

/** A fake clock for createDocAccess: timers run when time is advanced past them. */
function fakeClock(start = 1_700_000_000_000) {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; callback: () => void }>()
  return {
    now: () => now,
    setTimeout: (callback: () => void, ms: number) => {
      const id = nextId++
      timers.set(id, { at: now + ms, callback })
      return id
    },
    clearTimeout: (handle: unknown) => void timers.delete(handle as number),
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    advance(ms: number) {
      now += ms
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at <= now) {
          timers.delete(id)
          timer.callback()
        }
      }
    },
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

type Answer = { status: number; body?: unknown } | 'network-error'

/** A fake `fetch` for /api/tokens answering from a queue (the last answer repeats). */
function fakeTokenApi(answers: Answer[]) {
  const calls: Array<{ url: string; authorization: string | null; body: Record<string, unknown> }> = []
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers)
    calls.push({ url: String(input), authorization: headers.get('authorization'), body: JSON.parse(String(init?.body ?? '{}')) })
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!
    if (answer === 'network-error') throw new TypeError('Failed to fetch')
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status })
  }) as typeof globalThis.fetch
  return { fetch, calls }
}

const HOUR_S = 3600
function session(name: string, role = 'editor', iat = 1_000, lifetimeS = HOUR_S) {
  const token = jwt({ sub: 'u', name, docs: ['doc'], role, iat, exp: iat + lifetimeS })
  return { status: 200, body: { auth: true, token, role, name, expiresAt: new Date((iat + lifetimeS) * 1000).toISOString() } }
}

describe('tokens: reading, remembering, and removing ?token=', () => {
  it('decodes the claims of a real HS256 token (unverified, UI hints only), UTF-8 names included', async () => {
    const token = await new SignJWT({ sub: 'ada', name: 'Ada Lövelace ✓', docs: ['team-*'], role: 'editor' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(1_000)
      .setExpirationTime(4_600)
      .sign(new TextEncoder().encode('x'.repeat(32)))
    expect(decodeTokenClaims(token)).toEqual({
      sub: 'ada',
      name: 'Ada Lövelace ✓',
      docs: ['team-*'],
      role: 'editor',
      iat: 1_000,
      exp: 4_600,
    })
  })

  it('treats anything that is not a JWT with an object payload as no claims, and drops unknown roles', () => {
    for (const bad of [
      null,
      undefined,
      '',
      'abc',
      'a.b',
      'a.%%%.c',
      `x.${Buffer.from('[1]').toString('base64url')}.y`,
      `x.${Buffer.from('not json').toString('base64url')}.y`,
    ]) {
      expect(decodeTokenClaims(bad)).toBeNull()
    }
    expect(decodeTokenClaims(jwt({ sub: 's', role: 'owner', name: '  ' }))).toEqual({ sub: 's' })
  })

  it('splits the token off a URL and keeps every other parameter', () => {
    expect(splitTokenFromUrl('https://x.org/d/doc?token=abc&name=Cleo#top')).toEqual({
      token: 'abc',
      cleanUrl: 'https://x.org/d/doc?name=Cleo#top',
    })
    expect(splitTokenFromUrl('https://x.org/?token=abc')).toEqual({ token: 'abc', cleanUrl: 'https://x.org/' })
    expect(splitTokenFromUrl('https://x.org/d/doc?name=Cleo')).toEqual({ token: null, cleanUrl: 'https://x.org/d/doc?name=Cleo' })
    expect(splitTokenFromUrl('https://x.org/?token=')).toEqual({ token: null, cleanUrl: 'https://x.org/' })
  })

  it('remembers a token from the URL, cleans the address on the next task, and falls back to the remembered one', () => {
    const store = memoryStore()
    const replaced: string[] = []
    const deferred: Array<() => void> = []
    const win = {
      location: { href: 'https://x.org/d/doc?token=T1&name=Cleo' },
      history: { replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => void replaced.push(String(url)) },
      localStorage: store,
      setTimeout: (callback: () => void) => void deferred.push(callback),
    }
    expect(takeAccessToken(win)).toBe('T1')
    expect(store.map.get(ACCESS_TOKEN_KEY)).toBe('T1')
    expect(replaced).toEqual([]) // not yet: after the page's (and the router's) effects
    deferred.shift()!()
    expect(replaced).toEqual(['https://x.org/d/doc?name=Cleo'])

    // A later visit without ?token= uses the remembered one; a new one replaces it.
    win.location.href = 'https://x.org/'
    expect(takeAccessToken(win)).toBe('T1')
    expect(deferred).toEqual([])
    win.location.href = 'https://x.org/?token=T2'
    expect(takeAccessToken(win)).toBe('T2')
    expect(store.map.get(ACCESS_TOKEN_KEY)).toBe('T2')
    // Navigated away before the clean-up ran: leave the new address alone.
    win.location.href = 'https://x.org/elsewhere'
    deferred.shift()!()
    expect(replaced).toHaveLength(1)

    expect(takeAccessToken({ ...win, location: { href: 'https://x.org/' }, localStorage: memoryStore() })).toBeNull()
  })

  it('storage that throws (private mode) still yields the URL token', () => {
    const throwing = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    const win = { location: { href: 'https://x.org/?token=T' }, history: { replaceState: () => {} }, localStorage: throwing }
    expect(takeAccessToken(win)).toBe('T')
  })

  it('roles, grants and the prefix new documents may use', () => {
    expect([roleCanWrite('editor'), roleCanWrite('commenter'), roleCanWrite('viewer'), roleCanWrite(null)]).toEqual([
      true,
      false,
      false,
      false,
    ])
    expect(grantsDocument(['team-*'], 'team-a')).toBe(true)
    expect(grantsDocument(['team-*'], 'other')).toBe(false)
    expect(grantsDocument(['*'], 'x')).toBe(true)
    expect(grantsDocument(['a'], 'a')).toBe(true)
    expect(creatablePrefix(['*'])).toBe('')
    expect(creatablePrefix(['a', 'team-*'])).toBe('team-')
    expect(creatablePrefix(['a', 'b'])).toBeNull()
    expect(creatablePrefix(undefined)).toBeNull()
  })
})

describe('exchangeToken: what the server says about one document', () => {
  it('open mode: nothing changes, no token', async () => {
    const api = fakeTokenApi([{ status: 200, body: { auth: false, token: null, role: 'editor', name: null } }])
    await expect(exchangeToken({ docId: 'doc', accessToken: null, fetch: api.fetch })).resolves.toEqual({ status: 'open' })
    expect(api.calls[0]).toMatchObject({ url: '/api/tokens', authorization: null, body: { docId: 'doc' } })
  })

  it('auth on: the session token, role and name, with Bearer and the name sent; lifetime from exp − iat (clock skew cannot matter)', async () => {
    const link = jwt({ sub: 'link-1', docs: ['doc'], role: 'viewer', exp: 9_999_999_999 })
    const api = fakeTokenApi([session('Vera', 'viewer', 1_000)])
    const now = 1_700_000_000_000 // the server's clock (iat 1000) is decades behind: irrelevant
    const state = await exchangeToken({
      docId: 'doc',
      accessToken: link,
      name: ' Vera ',
      fetch: api.fetch,
      now: () => now,
      baseUrl: 'https://t.example/',
    })
    expect(api.calls[0]).toMatchObject({
      url: 'https://t.example/api/tokens',
      authorization: `Bearer ${link}`,
      body: { docId: 'doc', name: 'Vera' },
    })
    expect(state).toMatchObject({
      status: 'granted',
      role: 'viewer',
      name: 'Vera',
      nameFromToken: false,
      requestedName: 'Vera',
      expiresAt: now + HOUR_S * 1000,
      refreshAt: now + 0.8 * HOUR_S * 1000,
    })
  })

  it('says whether the name comes from the access token itself', async () => {
    const named = jwt({ sub: 'o', name: 'Olive', docs: ['*'], role: 'editor', exp: 9_999_999_999 })
    const state = await exchangeToken({ docId: 'doc', accessToken: named, name: 'Someone', fetch: fakeTokenApi([session('Olive')]).fetch })
    expect(state).toMatchObject({ status: 'granted', name: 'Olive', nameFromToken: true, role: 'editor' })
  })

  it('401/403 become a denial with the server’s reason; unknown reasons are "Unknown"', async () => {
    for (const [status, reason] of [
      [401, 'MissingToken'],
      [401, 'Expired'],
      [401, 'InvalidSignature'],
      [403, 'WrongDocument'],
      [403, 'Revoked'],
    ] as const) {
      const api = fakeTokenApi([{ status, body: { error: 'nope', reason } }])
      await expect(exchangeToken({ docId: 'doc', accessToken: 'x', fetch: api.fetch })).resolves.toEqual({
        status: 'denied',
        reason,
        httpStatus: status,
        message: 'nope',
      })
    }
    const odd = fakeTokenApi([{ status: 403, body: { error: 'who knows', reason: 'Cosmic' } }])
    await expect(exchangeToken({ docId: 'doc', accessToken: 'x', fetch: odd.fetch })).resolves.toMatchObject({
      status: 'denied',
      reason: 'Unknown',
    })
  })

  it('network errors and server errors are "unreachable", never a denial', async () => {
    await expect(exchangeToken({ docId: 'doc', accessToken: 'x', fetch: fakeTokenApi(['network-error']).fetch })).resolves.toMatchObject({
      status: 'unreachable',
    })
    await expect(
      exchangeToken({ docId: 'doc', accessToken: 'x', fetch: fakeTokenApi([{ status: 500, body: { error: 'internal error' } }]).fetch }),
    ).resolves.toEqual({
      status: 'unreachable',
      message: 'internal error',
    })
    await expect(exchangeToken({ docId: 'doc', accessToken: 'x', fetch: fakeTokenApi([{ status: 502 }]).fetch })).resolves.toMatchObject({
      status: 'unreachable',
    })
  })

  it('409 (the server verifies but cannot mint): connect with the access token itself', async () => {
    const external = jwt({ sub: 'e', name: 'Eve', docs: ['doc'], role: 'viewer', exp: Math.floor(Date.now() / 1000) + 600 })
    const api = fakeTokenApi([{ status: 409, body: { error: 'this server only verifies tokens minted by another service' } }])
    const state = await exchangeToken({ docId: 'doc', accessToken: external, fetch: api.fetch })
    expect(state).toMatchObject({ status: 'granted', token: external, role: 'viewer', name: 'Eve', nameFromToken: true })
  })

  it('fetchAuthMode asks without credentials', async () => {
    const open = fakeTokenApi([{ status: 200, body: { auth: false, token: null } }])
    await expect(fetchAuthMode({ fetch: open.fetch })).resolves.toBe('open')
    expect(open.calls[0]?.authorization).toBeNull()
    await expect(fetchAuthMode({ fetch: fakeTokenApi([{ status: 401, body: { reason: 'MissingToken' } }]).fetch })).resolves.toBe('auth')
    await expect(fetchAuthMode({ fetch: fakeTokenApi(['network-error']).fetch })).resolves.toBe('unknown')
  })
})

describe('createDocAccess: keeping access current', () => {
  const LINK = jwt({ sub: 'link', docs: ['doc'], role: 'editor', exp: 9_999_999_999 })

  it('refreshes the session token at 80 % of its lifetime', async () => {
    const clock = fakeClock()
    const api = fakeTokenApi([session('Cleo', 'editor', 1_000), session('Cleo', 'editor', 4_000)])
    const access = createDocAccess({ docId: 'doc', accessToken: LINK, name: 'Cleo', fetch: api.fetch, ...clock })
    expect(access.state.value).toEqual({ status: 'checking' })
    expect(access.token).toBeNull()
    await access.check()
    const first = access.token
    expect(first).not.toBeNull()
    expect(clock.pending()).toEqual([0.8 * HOUR_S * 1000])
    clock.advance(0.8 * HOUR_S * 1000 - 1)
    await settle()
    expect(api.calls).toHaveLength(1)
    clock.advance(1)
    await settle()
    expect(api.calls).toHaveLength(2)
    expect(access.token).not.toBe(first)
    expect(access.state.value.status).toBe('granted')
    access.destroy()
    expect(clock.pending()).toEqual([])
  })

  it('a name chosen after the first exchange is put in a new session token; a token’s own name is never replaced', async () => {
    const clock = fakeClock()
    const api = fakeTokenApi([session('Guest'), session('Vera')])
    const access = createDocAccess({ docId: 'doc', accessToken: LINK, fetch: api.fetch, ...clock })
    await access.check()
    expect(api.calls[0]?.body).toEqual({ docId: 'doc' })
    expect(access.state.value).toMatchObject({ status: 'granted', name: 'Guest', requestedName: null })
    access.setName('Vera')
    await settle()
    expect(api.calls[1]?.body).toEqual({ docId: 'doc', name: 'Vera' })
    expect(access.state.value).toMatchObject({ status: 'granted', name: 'Vera', requestedName: 'Vera' })
    access.setName('Vera')
    await settle()
    expect(api.calls).toHaveLength(2)

    const named = jwt({ sub: 'o', name: 'Olive', docs: ['*'], role: 'editor', exp: 9_999_999_999 })
    const ownerApi = fakeTokenApi([session('Olive')])
    const owner = createDocAccess({ docId: 'doc', accessToken: named, fetch: ownerApi.fetch, ...fakeClock() })
    await owner.check()
    owner.setName('Someone else')
    await settle()
    expect(ownerApi.calls).toHaveLength(1)
  })

  it('a failed connection attempt re-checks at once when the token has run out, else at most every 20 s', async () => {
    const clock = fakeClock()
    const api = fakeTokenApi([session('Cleo')])
    const access = createDocAccess({ docId: 'doc', accessToken: LINK, fetch: api.fetch, ...clock })
    await access.check()
    access.connectionTrouble({ code: 1006, opened: false })
    await settle()
    expect(api.calls).toHaveLength(1) // just asked
    clock.advance(20_000)
    access.connectionTrouble({ code: 1006, opened: true }) // dropped after opening: just reconnect
    await settle()
    expect(api.calls).toHaveLength(1)
    access.connectionTrouble({ code: 1006, opened: false })
    await settle()
    expect(api.calls).toHaveLength(2)
    access.connectionTrouble({ code: null, opened: false }) // closed by the page itself
    await settle()
    expect(api.calls).toHaveLength(2)
    access.destroy()
  })

  it('after a sleep (timers late), a failed attempt with a dead token re-checks at once', async () => {
    const timers = fakeClock()
    let wall = timers.now()
    const api = fakeTokenApi([session('Cleo', 'editor', 1_000, 30)]) // a 30-second token
    const access = createDocAccess({
      docId: 'doc',
      accessToken: LINK,
      fetch: api.fetch,
      ...timers,
      now: () => wall,
      recheckIntervalMs: 60_000,
    })
    await access.check()
    wall += 5_000
    access.connectionTrouble({ code: 1006, opened: false })
    await settle()
    expect(api.calls).toHaveLength(1) // token fine, asked recently
    wall += 16_000 // 21 s: within 10 s of expiry, and the refresh timer has not run
    access.connectionTrouble({ code: 1006, opened: false })
    await settle()
    expect(api.calls).toHaveLength(2)
    access.destroy()
  })

  it('4403 from the server: asks over HTTP for the precise reason; without an answer it is "Revoked"', async () => {
    const api = fakeTokenApi([session('Cleo'), { status: 403, body: { error: 'access was revoked', reason: 'Revoked' } }])
    const access = createDocAccess({ docId: 'doc', accessToken: LINK, fetch: api.fetch, ...fakeClock() })
    await access.check()
    access.connectionTrouble({ code: 4403, opened: true })
    await settle()
    expect(access.state.value).toMatchObject({ status: 'denied', reason: 'Revoked', httpStatus: 403 })

    const offline = fakeTokenApi([session('Cleo'), 'network-error'])
    const other = createDocAccess({ docId: 'doc', accessToken: LINK, fetch: offline.fetch, ...fakeClock() })
    await other.check()
    other.connectionTrouble({ code: 4401, opened: true })
    await settle()
    expect(other.state.value).toMatchObject({ status: 'denied', reason: 'Expired' })
  })

  it('cannot reach the server at first: "unreachable", retried with backoff until it answers', async () => {
    const clock = fakeClock()
    const api = fakeTokenApi(['network-error', 'network-error', session('Cleo')])
    const access = createDocAccess({ docId: 'doc', accessToken: LINK, fetch: api.fetch, ...clock })
    await access.check()
    expect(access.state.value.status).toBe('unreachable')
    expect(clock.pending()).toEqual([2_000])
    clock.advance(2_000)
    await settle()
    expect(clock.pending()).toEqual([4_000])
    clock.advance(4_000)
    await settle()
    expect(access.state.value.status).toBe('granted')
    expect(api.calls).toHaveLength(3)
  })

  it('a refresh that cannot reach the server keeps the current token and tries again soon', async () => {
    const clock = fakeClock()
    const api = fakeTokenApi([session('Cleo'), 'network-error', session('Cleo', 'editor', 9_000)])
    const access = createDocAccess({ docId: 'doc', accessToken: LINK, fetch: api.fetch, ...clock })
    await access.check()
    const token = access.token
    clock.advance(0.8 * HOUR_S * 1000)
    await settle()
    expect(access.token).toBe(token)
    expect(access.state.value.status).toBe('granted')
    clock.advance(2_000)
    await settle()
    expect(access.token).not.toBe(token)
  })
})

describe('bindDocAccess: tokens into the provider, denials stop it', () => {
  function fakeConnection() {
    const listeners: Record<string, Array<(event: never) => void>> = {}
    const log: string[] = []
    const provider = {
      wsconnected: false,
      shouldConnect: true,
      connect: () => void log.push('connect'),
      disconnect: () => void log.push('disconnect'),
      on: (event: string, listener: (event: never) => void) => {
        listeners[event] = [...(listeners[event] ?? []), listener]
      },
      off: (event: string, listener: (event: never) => void) => {
        listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener)
      },
      emit: (event: string, payload: unknown) => {
        for (const l of listeners[event] ?? []) l(payload as never)
      },
    }
    let token: string | null = null
    const connection = {
      provider,
      setToken: (next: string | null) => {
        token = next
        log.push(`token:${next === null ? 'none' : next.slice(-6)}`)
      },
      reconnect: () => void log.push('reconnect'),
    }
    return { connection: connection as unknown as AccessBindable, provider, log, token: () => token, listeners }
  }

  it('fresh tokens go into the params, a new name reconnects, 4401 then a good answer resumes, a denial disconnects', async () => {
    const LINK = jwt({ sub: 'link', docs: ['doc'], role: 'editor', exp: 9_999_999_999 })
    const api = fakeTokenApi([
      session('Guest', 'editor', 1_000),
      session('Vera', 'editor', 2_000),
      session('Vera', 'editor', 3_000),
      { status: 401, body: { error: 'expired', reason: 'Expired' } },
    ])
    const access = createDocAccess({ docId: 'doc', accessToken: LINK, fetch: api.fetch, ...fakeClock() })
    await access.check()
    const fake = fakeConnection()
    const unbind = bindDocAccess(fake.connection, access)
    expect(fake.token()).toBe(access.token)

    access.setName('Vera')
    await settle()
    expect(fake.log.slice(-2)).toEqual([`token:${access.token!.slice(-6)}`, 'reconnect'])

    // The server ends the session (4401, final): the provider stops; after a good answer it resumes.
    fake.provider.wsconnected = true
    fake.provider.emit('connection-close', { code: 4401 })
    fake.provider.emit('closed', { code: 4401, reason: 'unauthorized' })
    await settle()
    expect(fake.log.slice(-2)).toEqual([`token:${access.token!.slice(-6)}`, 'connect'])

    // The link has expired meanwhile: the next check denies, and the provider is stopped.
    fake.provider.wsconnected = false
    fake.provider.emit('connection-close', { code: 4401 })
    await settle()
    expect(access.state.value).toMatchObject({ status: 'denied', reason: 'Expired' })
    expect(fake.log.at(-1)).toBe('disconnect')

    unbind()
    expect(fake.listeners['connection-close']).toEqual([])
    expect(fake.listeners.closed).toEqual([])
    access.destroy()
  })
})
