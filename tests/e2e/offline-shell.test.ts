import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId } from '../helpers/editor-page'
import { waitUntilStored } from '../helpers/service-worker'

/**
 * The offline app shell in real Chromium against the real `npm start` process: pages opened
 * online are stored by the service worker (/sw.js); then the server process is stopped and the
 * browser context taken offline, and `/`, those documents and a document never opened here
 * are loaded again.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
let context: BrowserContext

/** True once React has hydrated the element (it carries React's fiber key). */
const hydrated = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => Object.keys(el).some((key) => key.startsWith('__reactFiber')))

describe.skipIf(!availability.run)('the app opens offline (service worker app shell) in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    await context?.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  it('serves /, documents opened before, and an offline page for a document never opened here', async () => {
    const docA = uniqueDocId('offline-a')
    const docB = uniqueDocId('offline-b')
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    page.on('pageerror', (error) => console.error('[offline] page error:', error.message))
    const failedAssets: string[] = []
    page.on('requestfailed', (request) => {
      if (request.url().includes('/_next/static/')) failedAssets.push(request.url())
    })

    // Online. The first page opened is a document: the worker installs while it is open.
    await page.goto(`${server.url}/d/${docA}?name=Ada`)
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
    await page.locator('.ProseMirror').click()
    await page.keyboard.type('Written online.')
    await page.evaluate(() => navigator.serviceWorker.ready)
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 })
    // The worker's script is served fresh, under the whole origin.
    const script = await page.request.get(`${server.url}/sw.js`)
    expect(script.status()).toBe(200)
    expect(script.headers()['cache-control']).toContain('no-cache')
    expect(script.headers()['content-type']).toContain('javascript')

    await page.goto(`${server.url}/`)
    await page.locator('.home').waitFor()
    await page.goto(`${server.url}/d/${docB}`)
    await page.locator('.tandem-title').waitFor()
    for (const path of ['/', `/d/${docA}`, `/d/${docB}`]) await waitUntilStored(page, path)
    // The server's own routes are never stored.
    const storedPaths = await page.evaluate(async () => {
      const paths: string[] = []
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname)
      }
      return paths
    })
    expect(storedPaths.filter((p) => /^\/(api|collab|healthz|readyz|metrics)/.test(p))).toEqual([])
    expect(storedPaths.filter((p) => !p.startsWith('/_next/static/')).sort()).toEqual(['/', `/d/${docA}`, `/d/${docB}`].sort())

    // Offline: the server process is gone and the browser has no network.
    await server.stop()
    await context.setOffline(true)
    failedAssets.length = 0

    await page.goto(`${server.url}/`)
    const home = await page.reload()
    expect(home?.status()).toBe(200)
    await page.locator('.home .brand').waitFor()
    await page.waitForFunction(() => document.title.includes('Tandem'))
    expect(await hydrated(page, '.home')).toBe(true)
    // The list cannot be fetched, but the documents kept on this device are listed to open.
    const onDevice = page.locator('[data-testid="offline-documents"] a')
    await onDevice.first().waitFor({ timeout: 15_000 })
    expect(await onDevice.evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual([`/d/${docA}`])
    await page.screenshot({ path: artifactPath('offline-shell-home.png') })

    for (const [docId, shot] of [
      [docA, 'offline-shell-doc-opened-first.png'],
      [docB, 'offline-shell-doc.png'],
    ] as const) {
      // Ada wrote in A (her name came from the link); B was only looked at (no name given yet).
      const response = await page.goto(`${server.url}/d/${docId}${docId === docA ? '?name=Ada' : ''}`)
      expect(response?.status()).toBe(200)
      await page.locator('.workspace .tandem-title').waitFor()
      await page.waitForFunction(() => {
        const el = document.querySelector('.workspace')
        return el !== null && Object.keys(el).some((key) => key.startsWith('__reactFiber'))
      })
      if (docId === docA) {
        // The page opens the copy of the document kept on this device, marked as offline.
        await page.locator('[data-testid="offline-copy"]').waitFor({ timeout: 15_000 })
        await page.waitForFunction(() => document.querySelector('.ProseMirror')?.textContent?.includes('Written online.') ?? false, null, {
          timeout: 15_000,
        })
      } else {
        // Its page is stored, but the document itself was never loaded here: the page says so.
        const banner = page.locator('[data-testid="access-unreachable"]')
        await banner.waitFor({ timeout: 15_000 })
        expect(await banner.textContent()).toContain('has not been opened on this device')
      }
      await page.screenshot({ path: artifactPath(shot) })
    }

    const never = await page.goto(`${server.url}/d/never-opened`)
    expect(never?.status()).toBe(503)
    const offlinePage = page.locator('[data-testid="offline-page"]')
    await offlinePage.waitFor()
    expect(await offlinePage.textContent()).toContain('not available offline')
    expect(await offlinePage.textContent()).toContain('has not been opened on this device')
    expect(await page.locator('[data-testid="offline-page"] a[href="/"]').count()).toBe(1)
    await page.screenshot({ path: artifactPath('offline-shell-never-opened.png') })

    // Every script and style the stored pages needed came from the cache.
    expect(failedAssets).toEqual([])
  }, 120_000)
})
