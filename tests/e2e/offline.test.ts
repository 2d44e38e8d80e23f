import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { type BlackholeProxy, startBlackholeProxy } from '../helpers/blackhole-proxy'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { waitUntilStored } from '../helpers/service-worker'

/**
 * Offline edits in real Chromium against the real `npm start` process. The writer reaches the
 * app through a proxy that can refuse every connection (the network is gone, loudly) or go
 * quiet; the other person connects directly. What is asserted is what people see: the text,
 * the save state ("Saved", "Saving…", "Offline — N changes on this device", "Not saved"), the
 * leave-page guard, and the local copy in IndexedDB.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
let proxy: BlackholeProxy
const contexts: BrowserContext[] = []

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  contexts.push(context)
  return context
}

async function openDoc(
  context: BrowserContext,
  base: string,
  name: string,
  docId: string,
  options: { live?: boolean } = {},
): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message))
  await page.goto(`${base}/d/${docId}?name=${encodeURIComponent(name)}`)
  if (options.live !== false) {
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
    await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor()
  }
  return page
}

const editorText = (page: Page) =>
  page
    .locator('.ProseMirror')
    .textContent()
    .then((t) => t ?? '')
const saveState = (page: Page) => page.locator('[data-testid="save-state"]')

async function waitForText(page: Page, text: string) {
  await page.waitForFunction((t) => document.querySelector('.ProseMirror')?.textContent?.includes(t) ?? false, text, { timeout: 20_000 })
}

async function typeAtEnd(page: Page, text: string) {
  await page.locator('.ProseMirror').click()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(text)
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1
}

async function localCopies(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? '').filter((n) => n.startsWith('tandem-doc:')))
}

describe.skipIf(!availability.run)('offline edits in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    proxy = await startBlackholeProxy(server.port)
    browser = await launchChromium(availability.executablePath as string)
  }, 600_000)

  // A failed scenario must not leave the next one without a network.
  afterEach(() => proxy?.restore())

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await proxy?.close()
    await server?.stop()
  })

  it('offline edits survive closing the tab and reach the other person once when the writer returns', async () => {
    const docId = `e2e-offline-close-${Date.now().toString(36)}`
    const via = `http://127.0.0.1:${proxy.port}`
    // Seeded by the server (its title written into the document there): with a local copy of it
    // on the device too, it must still show once.
    const seeded = await fetch(`${server.url}/api/docs/${docId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Launch plan' }),
    })
    expect(seeded.status).toBe(201)
    const adaContext = await newContext()
    const ada = await openDoc(adaContext, via, 'Ada', docId)
    const grace = await openDoc(await newContext(), server.url, 'Grace', docId)

    await typeAtEnd(ada, 'Online line.')
    await waitForText(grace, 'Online line.')
    await saveState(ada).and(ada.locator('[data-state="saved"]')).waitFor()
    await ada.screenshot({ path: artifactPath('offline-1-saved.png') })

    proxy.refuse()
    await ada.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 15_000 })
    await typeAtEnd(ada, ' Typed offline.')
    await ada.locator('[data-testid="save-state"][data-state="offline"]').waitFor()
    await expect(saveState(ada).textContent()).resolves.toMatch(/^Offline — \d+ changes on this device$/)
    const pending = Number(await saveState(ada).getAttribute('data-pending'))
    expect(pending).toBeGreaterThan(0)
    await ada.screenshot({ path: artifactPath('offline-3-offline-changes.png') })
    expect(await localCopies(ada)).toHaveLength(1)

    // The tab goes away with the changes on the device only (no dialog: they are safe there).
    let asked = false
    ada.on('dialog', (dialog) => {
      asked = true
      void dialog.accept()
    })
    await ada.close({ runBeforeUnload: true })
    expect(asked).toBe(false)
    expect(await editorText(grace)).not.toContain('Typed offline.')

    // Back online, Ada opens the document again: the copy on the device goes to the server.
    proxy.restore()
    const adaAgain = await openDoc(adaContext, via, 'Ada', docId)
    await waitForText(grace, 'Typed offline.')
    await adaAgain.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 20_000 })
    const seen = await editorText(grace)
    expect(occurrences(seen, 'Online line.')).toBe(1)
    expect(occurrences(seen, 'Typed offline.')).toBe(1)
    expect(occurrences(await editorText(adaAgain), 'Typed offline.')).toBe(1)
    await expect(adaAgain.locator('[data-testid="doc-title"]').inputValue()).resolves.toBe('Launch plan')
    const stored = await (await fetch(`${server.url}/api/docs/${docId}?format=text`)).text()
    expect(occurrences(stored, 'Typed offline.')).toBe(1)
  }, 180_000)

  it('offline, a reload shows the copy on the device; back online the other person gets it once', async () => {
    const docId = `e2e-offline-reload-${Date.now().toString(36)}`
    const via = `http://127.0.0.1:${proxy.port}`
    const context = await newContext()
    const ada = await openDoc(context, via, 'Ada', docId)
    const grace = await openDoc(await newContext(), server.url, 'Grace', docId)
    await typeAtEnd(ada, 'Online line.')
    await waitForText(grace, 'Online line.')
    await ada.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 })
    await waitUntilStored(ada, `/d/${docId}`)

    // The network is gone (the proxy refuses everything, the page loads come from the worker).
    proxy.refuse()
    await context.setOffline(true)
    await ada.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 15_000 })
    await typeAtEnd(ada, ' Typed before the reload.')
    await ada.locator('[data-testid="save-state"][data-state="offline"]').waitFor()
    await ada.reload()
    await ada.locator('[data-testid="offline-copy"]').waitFor({ timeout: 20_000 })
    await waitForText(ada, 'Typed before the reload.')
    await ada.locator('[data-testid="save-state"][data-state="offline"]').waitFor({ timeout: 10_000 })
    await expect(saveState(ada).textContent()).resolves.toMatch(/^Offline — \d+ changes on this device$/)
    // Still editable offline, from the copy.
    await typeAtEnd(ada, ' And after it.')
    await ada.screenshot({ path: artifactPath('offline-5-reloaded-offline.png') })
    expect(await editorText(grace)).not.toContain('Typed before the reload.')

    await context.setOffline(false)
    proxy.restore()
    await waitForText(grace, 'And after it.')
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 30_000 })
    await ada.locator('[data-testid="offline-copy"]').waitFor({ state: 'detached', timeout: 30_000 })
    const seen = await editorText(grace)
    expect(occurrences(seen, 'Online line.')).toBe(1)
    expect(occurrences(seen, 'Typed before the reload.')).toBe(1)
    expect(occurrences(seen, 'And after it.')).toBe(1)
  }, 180_000)

  it('two tabs of one document stay in step while offline', async () => {
    const docId = `e2e-offline-tabs-${Date.now().toString(36)}`
    const via = `http://127.0.0.1:${proxy.port}`
    const context = await newContext()
    const first = await openDoc(context, via, 'Ada', docId)
    const second = await openDoc(context, via, 'Ada', docId)
    proxy.refuse()
    await first.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 15_000 })
    await second.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 15_000 })
    await typeAtEnd(first, 'From the first tab.')
    await waitForText(second, 'From the first tab.')
    await typeAtEnd(second, ' And from the second.')
    await waitForText(first, 'And from the second.')
    expect(occurrences(await editorText(first), 'From the first tab.')).toBe(1)
    proxy.restore()
    await first.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 30_000 })
    await second.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 30_000 })
    const stored = await (await fetch(`${server.url}/api/docs/${docId}?format=text`)).text()
    expect(occurrences(stored, 'From the first tab.')).toBe(1)
    expect(occurrences(stored, 'And from the second.')).toBe(1)
  }, 180_000)

  it('with IndexedDB blocked, offline changes show "Not saved" and leaving the page asks first', async () => {
    const docId = `e2e-offline-noidb-${Date.now().toString(36)}`
    const via = `http://127.0.0.1:${proxy.port}`
    const context = await newContext()
    // What a browser with site storage disabled does: touching IndexedDB throws.
    await context.addInitScript(() => {
      Object.defineProperty(window, 'indexedDB', {
        get() {
          throw new DOMException('IndexedDB is disabled', 'SecurityError')
        },
      })
    })
    const ada = await openDoc(context, via, 'Ada', docId)
    await typeAtEnd(ada, 'Typed online.')
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 20_000 })

    // The server stops answering (a quiet network): the change is sent but never confirmed.
    proxy.cut('down')
    await typeAtEnd(ada, ' Sent into the void.')
    await ada.locator('.tandem-save--saving').waitFor({ timeout: 5_000 })
    await expect(saveState(ada).textContent()).resolves.toBe('Saving…')
    await ada.screenshot({ path: artifactPath('offline-2-saving.png') })

    await ada.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 20_000 })
    await ada.locator('.tandem-save--not-saved').waitFor({ timeout: 5_000 })
    await expect(saveState(ada).textContent()).resolves.toBe('Not saved')
    await ada.screenshot({ path: artifactPath('offline-4-not-saved.png') })

    const dialogs: string[] = []
    ada.on('dialog', (dialog) => {
      dialogs.push(dialog.type())
      void dialog.dismiss()
    })
    await ada.close({ runBeforeUnload: true })
    await expect.poll(() => dialogs, { timeout: 10_000 }).toEqual(['beforeunload'])
    expect(ada.isClosed()).toBe(false)
    proxy.restore()
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 30_000 })
    const stored = await (await fetch(`${server.url}/api/docs/${docId}?format=text`)).text()
    expect(stored).toContain('Sent into the void.')
  }, 180_000)

  it('the embed keeps a local copy by default, and none with ?localCopy=0', async () => {
    const via = `http://127.0.0.1:${proxy.port}`
    const context = await newContext()
    const open = async (docId: string, query: string) => {
      const page = await context.newPage()
      await page.goto(`${via}/embed/${docId}?name=Ada${query}`)
      await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
      await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor()
      return page
    }
    const kept = await open(`e2e-embed-kept-${Date.now().toString(36)}`, '')
    const memoryOnly = await open(`e2e-embed-memory-${Date.now().toString(36)}`, '&localCopy=0')
    proxy.refuse()
    for (const page of [kept, memoryOnly]) {
      await page.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 15_000 })
      await typeAtEnd(page, 'Typed in a frame.')
    }
    await kept.locator('[data-testid="save-state"][data-state="offline"]').waitFor()
    await memoryOnly.locator('.tandem-save--not-saved').waitFor({ timeout: 5_000 })
    const names = await localCopies(kept)
    expect(names.some((n) => n.includes('e2e-embed-kept-'))).toBe(true)
    expect(names.some((n) => n.includes('e2e-embed-memory-'))).toBe(false)
  }, 180_000)

  it('a document deleted while the writer was offline drops its local copy and says so', async () => {
    const docId = `e2e-offline-deleted-${Date.now().toString(36)}`
    const via = `http://127.0.0.1:${proxy.port}`
    const context = await newContext()
    const ada = await openDoc(context, via, 'Ada', docId)
    await typeAtEnd(ada, 'Soon gone.')
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 20_000 })
    proxy.refuse()
    await ada.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 15_000 })
    await typeAtEnd(ada, ' Written offline.')
    await ada.locator('[data-testid="save-state"][data-state="offline"]').waitFor()
    expect(await localCopies(ada)).toHaveLength(1)

    expect((await fetch(`${server.url}/api/docs/${docId}`, { method: 'DELETE' })).status).toBe(204)
    proxy.restore()
    const banner = ada.locator('[data-testid="closed-banner"][data-code="4404"]')
    await banner.waitFor({ timeout: 30_000 })
    await expect(banner.textContent()).resolves.toContain('its copy on this device was removed')
    await expect.poll(() => localCopies(ada), { timeout: 10_000 }).toEqual([])
    // The text stays readable on the page until it is left.
    expect(await editorText(ada)).toContain('Written offline.')
  }, 180_000)
})
