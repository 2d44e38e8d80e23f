/**
 * The service worker behind "the app opens offline". `route.ts` serves it at `/sw.js` as the
 * source text of `offlineShellWorker` called with this build's settings, so this function must
 * be self-contained: no imports, no module-level names, only the worker's globals (`caches`,
 * `fetch`, `Response`, `URL`) and its two parameters.
 *
 * - `/_next/static/*` (hashed, immutable): cache first; fetched once, then served from the cache.
 * - Page navigations (`/`, `/d/<id>`, `/embed/<id>`): network first. Each good response is
 *   stored under its path (the query is left out of the key, so a `?token=` is never a key),
 *   together with every `/_next/static/` file its HTML names, so the stored page hydrates
 *   without a network. When the network fails the stored copy is served; a document never
 *   opened on this device gets a small offline page instead of the browser's error page.
 * - Everything else (`/api/*`, `/collab*`, the health and metrics routes, the RSC requests of
 *   client-side navigation, other origins, anything but GET) is left to the browser.
 * - When the server answers a navigation with a 5xx (say, a proxy whose upstream is down), a
 *   stored copy is served instead, if there is one.
 * - The caches are named after the build. A new build's worker takes over at once; on its first
 *   navigation it fetches again every page the older build had stored (and their assets), and
 *   only once all of them are stored anew deletes the older build's caches, so pages opened
 *   before a deployment stay available offline. Until then the older caches still answer.
 */

export interface OfflineShellSettings {
  /** Names this build's caches (Next's BUILD_ID). */
  readonly version: string
}

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void
}

interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  respondWith(response: Response | Promise<Response>): void
}

/** The parts of ServiceWorkerGlobalScope used here (the `webworker` lib clashes with `dom`). */
export interface WorkerScope {
  readonly location: { readonly origin: string }
  readonly clients: {
    claim(): Promise<void>
    matchAll(options: { type: 'window' }): Promise<ReadonlyArray<{ readonly url: string }>>
  }
  skipWaiting(): Promise<void>
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
}

export function offlineShellWorker(scope: WorkerScope, settings: OfflineShellSettings): void {
  const PREFIX = 'tandem-shell-'
  const PAGES = `${PREFIX}pages-${settings.version}`
  const ASSETS = `${PREFIX}assets-${settings.version}`
  const origin = scope.location.origin

  /** The app's pages: stored when opened, served from the store offline. */
  const isPage = (path: string) => path === '/' || /^\/(d|embed)\/[^/]+$/.test(path)
  const isDocument = (path: string) => /^\/(d|embed)\/[^/]+$/.test(path)
  const isAsset = (path: string) => path.startsWith('/_next/static/')
  /** The server's own routes: never stored, never answered here, not even as a navigation. */
  const isServerRoute = (path: string) => /^\/(api\/|api$|collab|healthz$|readyz$|metrics$)/.test(path)

  /** Every `/_next/static/` file a page's HTML names (script and style tags, and the chunk lists in its inline RSC data). */
  const assetsIn = (html: string): string[] => {
    const found = new Set<string>()
    for (const match of html.matchAll(/(?:\/_next\/)?static\/(?:chunks|css|media|[A-Za-z0-9_-]{6,})\/[^"'\\\s)<>?#]+/g)) {
      const path = match[0].startsWith('/_next/') ? match[0] : `/_next/${match[0]}`
      found.add(path)
    }
    return [...found]
  }

  const cacheAsset = async (cache: Cache, path: string): Promise<void> => {
    if (await cache.match(path)) return
    try {
      const response = await fetch(path, { credentials: 'same-origin' })
      if (response.ok) await cache.put(path, response)
    } catch {
      // offline or gone: fetched again the next time it is needed
    }
  }

  /** Stores a page's HTML under its path and fetches every asset it names. */
  const storePage = async (path: string, response: Response): Promise<void> => {
    const html = await response.text()
    const headers = new Headers(response.headers)
    headers.delete('set-cookie')
    const pages = await caches.open(PAGES)
    await pages.put(path, new Response(html, { status: 200, statusText: 'OK', headers }))
    const assets = await caches.open(ASSETS)
    await Promise.all(assetsIn(html).map((asset) => cacheAsset(assets, asset)))
  }

  /** Fetches a page and stores it; false when that failed (offline, or not a page). */
  const fetchAndStore = async (path: string): Promise<boolean> => {
    try {
      const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' })
      if (!response.ok || !(response.headers.get('content-type') ?? '').includes('text/html')) return false
      await storePage(path, response)
      return true
    } catch {
      return false
    }
  }

  /** A stored page: this build's copy, else an older build's (whose assets are kept with it). */
  const storedPage = async (path: string): Promise<Response | undefined> =>
    (await (await caches.open(PAGES)).match(path, { ignoreVary: true })) ?? (await caches.match(path, { ignoreVary: true }))

  /** Carries the pages an older build stored over to this build, then deletes the older caches. */
  let migration: Promise<void> | null = null
  const migrate = (): Promise<void> => {
    migration ??= (async () => {
      const older = (await caches.keys()).filter((name) => name.startsWith(PREFIX) && name !== PAGES && name !== ASSETS)
      if (older.length === 0) return
      const pages = await caches.open(PAGES)
      let complete = true
      for (const name of older.filter((n) => n.startsWith(`${PREFIX}pages-`))) {
        for (const request of await (await caches.open(name)).keys()) {
          const path = new URL(request.url).pathname
          if ((await pages.match(path, { ignoreVary: true })) || (await fetchAndStore(path))) continue
          complete = false
        }
      }
      if (complete) await Promise.all(older.map((name) => caches.delete(name)))
    })().finally(() => {
      migration = null
    })
    return migration
  }

  const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

  const offlinePage = (path: string): Response => {
    const heading = isDocument(path) ? 'This document is not available offline' : 'This page is not available offline'
    const detail = isDocument(path)
      ? 'It has not been opened on this device, so there is no copy of it here. Open it again when you are back online.'
      : 'You are offline and this page has not been stored on this device.'
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Offline · Tandem</title>
<style>
:root{color-scheme:light dark;--bg:#f6f6f3;--card:#fff;--text:#1d2126;--muted:#5f6670;--accent:#3a5bd9;--border:#e2e2dc}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--card:#1d2025;--text:#e7e9ec;--muted:#a0a7b0;--accent:#7f97ff;--border:#2c3036}}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:440px;margin:24px;padding:32px;background:var(--card);border:1px solid var(--border);border-radius:14px;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.tag{display:inline-block;margin-bottom:12px;padding:2px 10px;border-radius:999px;background:var(--border);color:var(--muted);font-size:13px;font-weight:600}
h1{margin:0 0 8px;font-size:20px;line-height:1.3}
p{margin:0 0 20px;color:var(--muted)}
code{font-size:13px;word-break:break-all}
a{display:inline-block;padding:8px 16px;border-radius:8px;background:var(--accent);color:#fff;text-decoration:none;font-weight:600}
a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
</style></head>
<body><main data-testid="offline-page" data-path="${escapeHtml(path)}">
<span class="tag">Offline</span>
<h1>${heading}</h1>
<p>${detail}<br><code>${escapeHtml(path)}</code></p>
<a href="/">Go to your documents</a>
</main></body></html>`
    return new Response(html, {
      status: 503,
      statusText: 'Offline',
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    })
  }

  const navigate = async (event: FetchEvent, path: string): Promise<Response> => {
    try {
      const response = await fetch(event.request)
      if (response.status >= 500 && isPage(path)) {
        const stored = await storedPage(path)
        if (stored) return stored
      }
      if (response.ok && isPage(path) && (response.headers.get('content-type') ?? '').includes('text/html')) {
        // With a query (`?name=`, `?token=`) the page is stored as it is without one.
        const store = new URL(event.request.url).search === '' ? storePage(path, response.clone()) : fetchAndStore(path)
        event.waitUntil(store.catch(() => {}))
      }
      return response
    } catch {
      return (await storedPage(path)) ?? offlinePage(path)
    }
  }

  const asset = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname
    // Hashed names: the same path is the same file in any build's cache.
    const stored = await caches.match(path, { ignoreVary: true })
    if (stored) return stored
    const response = await fetch(request)
    if (response.ok && response.type === 'basic') await (await caches.open(ASSETS)).put(path, response.clone()).catch(() => {})
    return response
  }

  scope.addEventListener('install', (event) => {
    // The home page and what it needs are stored at once, whichever page installed the worker.
    event.waitUntil(fetchAndStore('/').then(() => scope.skipWaiting()))
  })

  scope.addEventListener('activate', (event) => {
    event.waitUntil(
      (async () => {
        await scope.clients.claim()
        // The pages open now were loaded before this worker ran: store them (and their assets) too.
        const windows = await scope.clients.matchAll({ type: 'window' })
        await Promise.all(
          windows
            .map((client) => new URL(client.url))
            .filter((url) => url.origin === origin && isPage(url.pathname))
            .map((url) => fetchAndStore(url.pathname)),
        )
      })(),
    )
  })

  scope.addEventListener('fetch', (event) => {
    const request = event.request
    if (request.method !== 'GET') return
    const url = new URL(request.url)
    if (url.origin !== origin || isServerRoute(url.pathname)) return
    if (request.mode === 'navigate') {
      event.respondWith(navigate(event, url.pathname))
      event.waitUntil(migrate().catch(() => {}))
      return
    }
    // Client-side navigation fetches RSC data: left to the network (Next falls back to a full navigation).
    if (url.searchParams.has('_rsc') || request.headers.has('rsc')) return
    if (isAsset(url.pathname)) return void event.respondWith(asset(request))
  })
}
