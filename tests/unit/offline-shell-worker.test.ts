import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { offlineShellWorker, type WorkerScope } from '../../app/sw.js/worker'

/**
 * The offline shell's service worker (app/sw.js/worker.ts) run in Node against an in-memory
 * CacheStorage and a fake server; the e2e test (tests/e2e/offline-shell.test.ts) runs the real
 * one in Chromium.
 */
const ORIGIN = 'https://tandem.test'

class MemoryCache {
  readonly entries = new Map<string, Response>()
  private key(request: string | { url: string }): string {
    return new URL(typeof request === 'string' ? request : request.url, ORIGIN).href
  }
  async match(request: string | { url: string }): Promise<Response | undefined> {
    return this.entries.get(this.key(request))?.clone()
  }
  async put(request: string | { url: string }, response: Response): Promise<void> {
    this.entries.set(this.key(request), response)
  }
  async keys(): Promise<{ url: string }[]> {
    return [...this.entries.keys()].map((url) => ({ url }))
  }
}

class MemoryCacheStorage {
  readonly stores = new Map<string, MemoryCache>()
  async open(name: string): Promise<MemoryCache> {
    const cache = this.stores.get(name) ?? new MemoryCache()
    this.stores.set(name, cache)
    return cache
  }
  async keys(): Promise<string[]> {
    return [...this.stores.keys()]
  }
  async delete(name: string): Promise<boolean> {
    return this.stores.delete(name)
  }
  async match(request: string | { url: string }): Promise<Response | undefined> {
    for (const cache of this.stores.values()) {
      const found = await cache.match(request)
      if (found) return found
    }
    return undefined
  }
  paths(prefix: string): string[] {
    return [...this.stores.entries()]
      .filter(([name]) => name.startsWith(prefix))
      .flatMap(([, c]) => [...c.entries.keys()].map((k) => new URL(k).pathname))
  }
}

/** The fake server: pages name one hashed chunk of their build. */
let build = 'one'
let network: 'up' | 'down' | '502' = 'up'
const served: string[] = []
function serve(input: string | { url: string }): Response {
  const url = new URL(typeof input === 'string' ? input : input.url, ORIGIN)
  if (network === 'down') throw new TypeError('Failed to fetch')
  served.push(url.pathname + url.search)
  if (network === '502') return new Response('bad gateway', { status: 502 })
  if (url.pathname.startsWith('/_next/static/')) return new Response('/* js */', { headers: { 'content-type': 'text/javascript' } })
  const html = `<!doctype html><title>${url.pathname}</title><script src="/_next/static/chunks/${build}-app.js" async></script><p>${url.pathname}${url.search}</p>`
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', vary: 'rsc' } })
}

interface FakeEvent {
  readonly request: { url: string; method: string; mode: string; headers: Headers }
  readonly pending: Promise<unknown>[]
  response?: Promise<Response>
  waitUntil(promise: Promise<unknown>): void
  respondWith(response: Response | Promise<Response>): void
}

function fakeEvent(
  path = '/',
  init: { method?: string; mode?: string; headers?: Record<string, string>; origin?: string } = {},
): FakeEvent {
  const event: FakeEvent = {
    request: {
      url: new URL(path, init.origin ?? ORIGIN).href,
      method: init.method ?? 'GET',
      mode: init.mode ?? 'navigate',
      headers: new Headers(init.headers),
    },
    pending: [],
    waitUntil: (promise) => void event.pending.push(promise),
    respondWith: (response) => {
      event.response = Promise.resolve(response)
    },
  }
  return event
}

/** Waits for the response and everything the worker kept alive with waitUntil. */
async function settle(event: FakeEvent): Promise<Response | undefined> {
  const response = await event.response
  for (let seen = -1; seen !== event.pending.length; ) {
    seen = event.pending.length
    await Promise.all(event.pending)
  }
  return response
}

function startWorker(version: string, openWindows: string[] = []) {
  const listeners = new Map<string, (event: FakeEvent) => void>()
  const scope = {
    location: { origin: ORIGIN },
    clients: { claim: async () => {}, matchAll: async () => openWindows.map((url) => ({ url: `${ORIGIN}${url}` })) },
    skipWaiting: async () => {},
    addEventListener: (type: string, listener: (event: FakeEvent) => void) => listeners.set(type, listener),
  }
  offlineShellWorker(scope as unknown as WorkerScope, { version })
  const dispatch = async (type: string, event: FakeEvent) => {
    listeners.get(type)?.(event)
    return settle(event)
  }
  return {
    install: () => dispatch('install', fakeEvent()),
    activate: () => dispatch('activate', fakeEvent()),
    fetch: (path: string, init?: Parameters<typeof fakeEvent>[1]) => {
      const event = fakeEvent(path, init)
      listeners.get('fetch')?.(event)
      return { handled: event.response !== undefined, done: settle(event) }
    },
  }
}

let caches: MemoryCacheStorage

beforeEach(() => {
  caches = new MemoryCacheStorage()
  build = 'one'
  network = 'up'
  served.length = 0
  vi.stubGlobal('caches', caches)
  vi.stubGlobal('fetch', async (input: string | { url: string }) => serve(input))
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the offline shell service worker', () => {
  it('stores /, the pages open when it starts and each page navigated to, with their chunks; offline it serves them', async () => {
    const worker = startWorker('v1', ['/d/first?name=Ada'])
    await worker.install()
    await worker.activate()
    await worker.fetch('/d/second').done
    expect(caches.paths('tandem-shell-pages-v1').sort()).toEqual(['/', '/d/first', '/d/second'])
    expect(caches.paths('tandem-shell-assets-v1')).toEqual(['/_next/static/chunks/one-app.js'])

    network = 'down'
    for (const path of ['/', '/d/first', '/d/second', '/d/second?name=Bob']) {
      const response = await worker.fetch(path).done
      expect(response?.status).toBe(200)
      expect(await response?.text()).toContain(`<p>${new URL(path, ORIGIN).pathname}</p>`)
    }
    const chunk = await worker.fetch('/_next/static/chunks/one-app.js', { mode: 'no-cors' }).done
    expect(await chunk?.text()).toBe('/* js */')
  })

  it('a document never opened here gets the offline page, not an error', async () => {
    const worker = startWorker('v1')
    await worker.install()
    network = 'down'
    const response = await worker.fetch('/d/never-opened').done
    expect(response?.status).toBe(503)
    const html = (await response?.text()) ?? ''
    expect(html).toContain('This document is not available offline')
    expect(html).toContain('has not been opened on this device')
    expect(html).toContain('href="/"')
    // The path is shown escaped.
    const odd = await (await worker.fetch('/d/%3Cb%3E').done)?.text()
    expect(odd).not.toContain('<b>')
  })

  it('a page opened with a query is stored as it is without one (no token in the cache)', async () => {
    const worker = startWorker('v1')
    await worker.fetch('/d/shared?token=secret&name=Ada').done
    expect(caches.paths('tandem-shell-pages-').sort()).toEqual(['/d/shared'])
    expect(served).toContain('/d/shared')
    network = 'down'
    expect(await (await worker.fetch('/d/shared').done)?.text()).toContain('<p>/d/shared</p>')
  })

  it('leaves the server routes, RSC requests, other origins and non-GET requests to the browser', async () => {
    const worker = startWorker('v1')
    const untouched: [string, Parameters<typeof fakeEvent>[1]][] = [
      ['/api/docs', { mode: 'cors' }],
      ['/api/docs', { mode: 'navigate' }],
      ['/collab/abc', { mode: 'cors' }],
      ['/healthz', { mode: 'navigate' }],
      ['/readyz', { mode: 'navigate' }],
      ['/metrics', { mode: 'navigate' }],
      ['/d/abc?_rsc=1x', { mode: 'cors' }],
      ['/d/abc', { mode: 'cors', headers: { rsc: '1' } }],
      ['/d/abc', { mode: 'navigate', method: 'POST' }],
      ['/', { mode: 'navigate', origin: 'https://elsewhere.test' }],
    ]
    for (const [path, init] of untouched) expect(worker.fetch(path, init).handled, `${path} ${JSON.stringify(init)}`).toBe(false)
    expect(caches.stores.size).toBe(0)
  })

  it('a 5xx from the server (a proxy with its upstream down) serves the stored copy', async () => {
    const worker = startWorker('v1')
    await worker.fetch('/d/doc').done
    network = '502'
    const response = await worker.fetch('/d/doc').done
    expect(response?.status).toBe(200)
    expect(await response?.text()).toContain('<p>/d/doc</p>')
    // Nothing stored: the 502 itself.
    expect((await worker.fetch('/d/other').done)?.status).toBe(502)
  })

  it('a new build keeps the older pages until it has stored them anew, then deletes the older caches', async () => {
    const one = startWorker('v1')
    await one.install()
    await one.fetch('/d/doc').done

    build = 'two'
    const two = startWorker('v2')
    await two.install()
    await two.activate()
    // Offline before any navigation: the older build's copy (and its chunk) still answer.
    network = 'down'
    expect(await (await two.fetch('/d/doc').done)?.text()).toContain('one-app.js')
    expect(await (await two.fetch('/_next/static/chunks/one-app.js', { mode: 'no-cors' }).done)?.text()).toBe('/* js */')
    // The first navigation online carries the pages over and drops build one.
    network = 'up'
    await two.fetch('/').done
    expect([...caches.stores.keys()].sort()).toEqual(['tandem-shell-assets-v2', 'tandem-shell-pages-v2'])
    expect(caches.paths('tandem-shell-pages-v2').sort()).toEqual(['/', '/d/doc'])
    network = 'down'
    expect(await (await two.fetch('/d/doc').done)?.text()).toContain('two-app.js')
  })
})
