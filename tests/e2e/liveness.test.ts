import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { type BlackholeProxy, startBlackholeProxy } from '../helpers/blackhole-proxy'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { presenceNames } from '../helpers/editor-page'

/**
 * Real Chromium, the real `npm start` process, default heartbeat (4 s) and client silence
 * (9 s). Ada reaches the app through a blackholing proxy; Grace directly. The proxy drops
 * Ada's network without closing anything; we measure when Ada's own status turns offline and
 * when Grace's "People here" loses her. The bounds are loose (they cap a failure on a busy
 * machine); the figures are printed.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
let proxy: BlackholeProxy
const contexts: BrowserContext[] = []

async function openAs(base: string, name: string, docId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message))
  await page.goto(`${base}/d/${docId}?name=${encodeURIComponent(name)}`)
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor()
  return page
}

/**
 * Freezes the page's fake clock a little ahead of its current time. The page's time runs on
 * while we ask for it; on a busy machine it can pass the target first, so we ask again.
 */
async function pauseSoon(page: Page): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const fakeNow = await page.evaluate(() => Date.now())
    try {
      await page.clock.pauseAt(fakeNow + 500)
      return
    } catch (error) {
      if (attempt >= 5 || !String(error).includes('to the past')) throw error
    }
  }
}

describe.skipIf(!availability.run)('a dropped network in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    proxy = await startBlackholeProxy(server.port)
    browser = await launchChromium(availability.executablePath as string)
  }, 600_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await proxy?.close()
    await server?.stop()
  })

  it('the writer sees Offline and the other person loses them, each within 10 s (+ slack)', async () => {
    const docId = `e2e-liveness-${Date.now().toString(36)}`
    const ada = await openAs(`http://127.0.0.1:${proxy.port}`, 'Ada', docId)
    const grace = await openAs(server.url, 'Grace', docId)
    await grace.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="presence-user"]')].some((el) => el.textContent?.includes('Ada')),
      null,
      { timeout: 15_000 },
    )
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('Before the cut.')
    await grace.waitForFunction(() => document.querySelector('.ProseMirror')?.textContent?.includes('Before the cut.') ?? false, null, {
      timeout: 15_000,
    })

    const cutAt = Date.now()
    proxy.cut()
    let adaOffline = Number.NaN
    let graceDropsAda = Number.NaN
    const deadline = cutAt + 20_000
    while (Date.now() < deadline && (Number.isNaN(adaOffline) || Number.isNaN(graceDropsAda))) {
      const [status, names] = await Promise.all([
        ada.locator('[data-testid="connection-status"]').getAttribute('data-status'),
        presenceNames(grace),
      ])
      const t = Date.now() - cutAt
      if (Number.isNaN(adaOffline) && status === 'offline') adaOffline = t
      if (Number.isNaN(graceDropsAda) && !names.includes('Ada')) graceDropsAda = t
      await grace.waitForTimeout(50)
    }
    console.log(
      `[liveness e2e] Ada's status shows offline ${adaOffline} ms after the cut; Grace's "People here" drops Ada after ${graceDropsAda} ms`,
    )
    expect(adaOffline).toBeLessThan(15_000)
    expect(graceDropsAda).toBeLessThan(15_000)

    // The network comes back: Ada reconnects on her own and Grace sees her again.
    proxy.restore()
    await ada.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 30_000 })
    await grace.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="presence-user"]')].some((el) => el.textContent?.includes('Ada')),
      null,
      { timeout: 15_000 },
    )
  }, 120_000)

  it('retries at once when the browser says it is online again, or the tab becomes visible', async () => {
    // The page's timers are frozen (Playwright's fake clock), so the reconnect backoff never
    // ends on its own: only the 'online' and 'visibilitychange' events can bring Ada back.
    const docId = `e2e-wake-${Date.now().toString(36)}`
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    contexts.push(context)
    await context.clock.install()
    const ada = await context.newPage()
    await ada.goto(`http://127.0.0.1:${proxy.port}/d/${docId}?name=Ada`)
    const connected = ada.locator('[data-testid="connection-status"][data-status="connected"]')
    const offline = ada.locator('[data-testid="connection-status"][data-status="offline"]')
    await connected.waitFor({ timeout: 20_000 })

    for (const wake of ['online', 'visible'] as const) {
      await pauseSoon(ada)
      proxy.refuse()
      await offline.waitFor({ timeout: 15_000 })
      proxy.restore()
      await ada.evaluate((event) => {
        if (event === 'online') window.dispatchEvent(new Event('online'))
        else document.dispatchEvent(new Event('visibilitychange'))
      }, wake)
      await connected.waitFor({ timeout: 15_000 })
      await ada.clock.resume()
    }
  }, 120_000)
})
