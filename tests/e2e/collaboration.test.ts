import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText, waitForPresence } from '../helpers/editor-page'

/**
 * Real Chromium against the real `npm start` process (server/bin/main.ts) on a free port with a
 * temporary data directory: one build, one server and one browser for the whole file.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function openAs(name: string, docId: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message))
  await page.goto(`${server.url}/d/${docId}?name=${encodeURIComponent(name)}`)
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor()
  return page
}

const editorText = (page: Page) => page.locator('.ProseMirror').evaluate((el) => el.textContent ?? '')

describe.skipIf(!availability.run)('collaborative editing in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  it('two people edit one document: text, carets, presence, title, saved state, reload, leaving', async () => {
    const docId = uniqueDocId('pair')
    const ada = await openAs('Ada', docId)
    const grace = await openAs('Grace', docId)

    // Both appear in both presence lists.
    await waitForPresence(ada, (n) => n.includes('Ada') && n.includes('Grace'))
    await waitForPresence(grace, (n) => n.includes('Ada') && n.includes('Grace'))

    // Text typed by one shows in the other.
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('Hello from Ada.')
    await waitForEditorText(grace, 'Hello from Ada.')

    // The other person's caret is visible with their name.
    await grace.locator('.ProseMirror').click()
    await grace.keyboard.press('End')
    await grace.keyboard.type(' And Grace.')
    await waitForEditorText(ada, 'Hello from Ada. And Grace.')
    const graceLabel = ada.locator('.collaboration-carets__label', { hasText: 'Grace' })
    await graceLabel.waitFor({ state: 'visible', timeout: 15_000 })
    await grace.locator('.collaboration-carets__label', { hasText: 'Ada' }).waitFor({ state: 'visible', timeout: 15_000 })

    // The title is shared live.
    await ada.locator('[data-testid="doc-title"]').fill('Launch plan')
    await grace.waitForFunction(
      () => (document.querySelector('[data-testid="doc-title"]') as HTMLInputElement | null)?.value === 'Launch plan',
    )

    // Saved once the server has stored (and echoed) everything.
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
    await grace.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
    await expect(ada.locator('[data-testid="save-state"]').textContent()).resolves.toBe('Saved')

    await ada.screenshot({ path: artifactPath('editor-two-users.png') })

    // A reload keeps the content, once (no duplication).
    await grace.reload()
    await grace.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
    // Synced means the server's whole answer is in: nothing more can arrive twice after it.
    await grace.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 15_000 })
    await waitForEditorText(grace, 'Hello from Ada. And Grace.')
    const afterReload = await editorText(grace)
    expect(afterReload.split('Hello from Ada.').length - 1).toBe(1)
    expect(afterReload.split('And Grace.').length - 1).toBe(1)
    expect((await editorText(ada)).split('Hello from Ada.').length - 1).toBe(1)
    await expect(grace.locator('[data-testid="doc-title"]').inputValue()).resolves.toBe('Launch plan')

    // Someone who closes the tab leaves the list at once (the room tests pin "at once" exactly):
    // here, well before y-protocols' 30-second timeout for a state that is never renewed, with
    // room to spare for a busy machine.
    await waitForPresence(ada, (n) => n.includes('Grace'))
    const closedAt = Date.now()
    await grace.close()
    await waitForPresence(ada, (n) => !n.includes('Grace'), 10_000)
    console.log(`[e2e] a closed tab left the presence list after ${Date.now() - closedAt} ms`)
    // The feed says so once she stayed away for its grace period (15 s: a reload is no departure).
    await ada.locator('[data-testid="activity"]', { hasText: 'Grace left' }).waitFor({ timeout: 40_000 })

    // The documents list shows the document under its title.
    const list = await ada.context().newPage()
    await list.goto(`${server.url}/`)
    const row = list.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`)
    await row.waitFor({ timeout: 15_000 })
    await expect(row.textContent()).resolves.toContain('Launch plan')
    await list.screenshot({ path: artifactPath('documents-list.png') })
    await list.close()
  }, 120_000)

  it('keystroke → remote render latency', async () => {
    const docId = uniqueDocId('latency')
    const writer = await openAs('Writer', docId)
    const reader = await openAs('Reader', docId)
    await waitForPresence(writer, (n) => n.includes('Reader'))

    // Clocks: both pages run on this machine, so timeOrigin + now() is comparable across them.
    await writer.evaluate(() => {
      const w = window as unknown as { __keyTimes: number[] }
      w.__keyTimes = []
      document.addEventListener('keydown', () => w.__keyTimes.push(performance.timeOrigin + performance.now()), true)
    })
    await reader.evaluate(() => {
      const w = window as unknown as { __seen: number[] }
      w.__seen = []
      const root = document.querySelector('.ProseMirror') as HTMLElement
      const observer = new MutationObserver(() => {
        const match = /LAT:(x*)/.exec(root.textContent ?? '')
        const count = match?.[1]?.length ?? 0
        const now = performance.timeOrigin + performance.now()
        while (w.__seen.length < count) w.__seen.push(now)
      })
      observer.observe(root, { subtree: true, childList: true, characterData: true })
    })

    await writer.locator('.ProseMirror').click()
    await writer.keyboard.type('LAT:')
    await waitForEditorText(reader, 'LAT:')
    await writer.evaluate(() => ((window as unknown as { __keyTimes: number[] }).__keyTimes.length = 0))
    const keystrokes = 40
    for (let i = 0; i < keystrokes; i++) {
      await writer.keyboard.press('x')
      await reader.waitForFunction((n) => (window as unknown as { __seen: number[] }).__seen.length >= n, i + 1, {
        timeout: 15_000,
        polling: 5,
      })
    }
    const keyTimes = await writer.evaluate(() => (window as unknown as { __keyTimes: number[] }).__keyTimes)
    const seen = await reader.evaluate(() => (window as unknown as { __seen: number[] }).__seen)
    const latencies = seen
      .slice(0, keystrokes)
      .map((t, i) => t - (keyTimes[i] ?? t))
      .sort((a, b) => a - b)
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN
    console.log(
      `[e2e] keystroke → remote render over ${latencies.length} keystrokes: p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, max ${pct(100).toFixed(1)} ms`,
    )
    expect(latencies.length).toBe(keystrokes)
    expect(pct(50)).toBeLessThan(250)
  }, 120_000)

  // Undo and redo go word by word until the history is empty: many clicks, slow on a busy machine (the bound decides nothing).
  it('formatting toolbar: active state, shortcuts in titles, collaborative undo of own changes only', async () => {
    const docId = uniqueDocId('toolbar')
    const ada = await openAs('Ada', docId)
    const bob = await openAs('Bob', docId)
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('Ada line')
    await waitForEditorText(bob, 'Ada line')

    const bold = ada.getByRole('button', { name: 'Bold' })
    await expect(bold.getAttribute('title')).resolves.toMatch(/Bold \((Ctrl\+B|⌘B)\)/)
    await expect(bold.getAttribute('aria-pressed')).resolves.toBe('false')
    await ada.keyboard.press('Enter')
    await bold.click()
    await expect(bold.getAttribute('aria-pressed')).resolves.toBe('true')
    await ada.keyboard.type('bold words')
    await ada.getByRole('button', { name: 'Heading 2' }).click()
    await bob.locator('.ProseMirror h2 strong', { hasText: 'bold words' }).waitFor({ timeout: 15_000 })

    // Bob types; Ada undoes until there is nothing left to undo: her own changes go, step by
    // step (about a word each), and Bob's text stays.
    await bob.locator('.ProseMirror p').first().click()
    await bob.keyboard.press('End')
    await bob.keyboard.type(' + Bob')
    await waitForEditorText(ada, 'Ada line + Bob')
    await ada.locator('.ProseMirror h2').click()
    const undo = ada.getByRole('button', { name: 'Undo' })
    while ((await undo.getAttribute('aria-disabled')) !== 'true') await undo.click()
    await bob.waitForFunction(() => !(document.querySelector('.ProseMirror')?.textContent ?? '').includes('Ada line'), undefined, {
      timeout: 15_000,
    })
    const afterUndo = await editorText(bob)
    expect(afterUndo).not.toContain('bold words')
    expect(afterUndo).toContain('+ Bob')
    // Redo by keyboard shortcut brings Ada's text back for everyone.
    const redo = ada.getByRole('button', { name: 'Redo' })
    while ((await redo.getAttribute('aria-disabled')) !== 'true') await ada.keyboard.press('Control+Shift+Z')
    await waitForEditorText(bob, 'bold words')
    await waitForEditorText(bob, 'Ada line')

    // The toolbar is keyboard reachable: one tab stop, arrows move along.
    await ada.getByRole('button', { name: 'Undo' }).focus()
    await ada.keyboard.press('ArrowRight')
    await expect(ada.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe('Redo')
    await ada.screenshot({ path: artifactPath('editor-toolbar.png') })

    // Share → Copy edit link copies the document's link (without ?name=) and says so. In open
    // mode the view-only entry is disabled, saying so in words for the person sharing.
    await ada.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
    await ada.getByTestId('share').click()
    await ada.getByTestId('share-menu').waitFor()
    await expect(ada.getByTestId('copy-view-link').isDisabled()).resolves.toBe(true)
    await ada
      .getByTestId('view-link-hint')
      .filter({ hasText: 'View-only links aren’t available on this server. Ask whoever runs it.' })
      .waitFor({ timeout: 15_000 })
    await ada.getByTestId('copy-edit-link').click()
    await ada.getByTestId('share').filter({ hasText: 'Link copied' }).waitFor({ timeout: 15_000 })
    await expect(ada.evaluate(() => navigator.clipboard.readText())).resolves.toBe(`${server.url}/d/${docId}`)
    await ada.screenshot({ path: artifactPath('share-menu-open-mode.png') })
  }, 120_000)

  it('asks for a name once and remembers it; invalid ids get a not-found page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    contexts.push(context)
    const page = await context.newPage()
    const docId = uniqueDocId('name')
    await page.goto(`${server.url}/d/${docId}`)
    const dialog = page.getByRole('dialog')
    await dialog.waitFor({ timeout: 10_000 })
    await page.screenshot({ path: artifactPath('name-dialog.png') })
    await dialog.getByRole('textbox').fill('Katherine')
    await dialog.getByRole('button', { name: 'Continue' }).click()
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
    await waitForPresence(page, (n) => n.includes('Katherine'))
    await page.reload()
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
    await waitForPresence(page, (n) => n.includes('Katherine'))
    expect(await page.getByRole('dialog').count()).toBe(0)

    // Opening a link and naming oneself writes nothing, so nothing was stored (L8).
    const meta = await fetch(`${server.url}/api/docs/${docId}`)
    expect(meta.status).toBe(404)

    const missing = await page.goto(`${server.url}/d/not%20valid`)
    expect(missing?.status()).toBe(404)
    await page.getByRole('heading', { name: 'This page doesn’t exist' }).waitFor()
    await page.screenshot({ path: artifactPath('not-found.png') })
  }, 120_000)

  it('documents list: create, rename, delete with confirmation', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    contexts.push(context)
    const page = await context.newPage()
    await page.goto(`${server.url}/`)
    await page.getByTestId('new-doc-title').fill('Quarterly notes')
    await page.getByTestId('create-doc').click()
    await page.waitForURL(/\/d\/[^/]+$/, { timeout: 10_000 })
    const docId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '')
    await page.getByRole('dialog').getByRole('textbox').fill('Creator')
    await page.getByRole('dialog').getByRole('button', { name: 'Continue' }).click()
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="doc-title"]') as HTMLInputElement | null)?.value === 'Quarterly notes',
      undefined,
      { timeout: 10_000 },
    )

    const copiesOf = (id: string) =>
      page.evaluate(async (wanted) => (await indexedDB.databases()).filter((db) => db.name?.endsWith(`/${wanted}`)).length, id)
    expect(await copiesOf(docId)).toBe(1)

    await page.goto(`${server.url}/`)
    const row = page.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`)
    await row.waitFor()
    await expect(row.textContent()).resolves.toContain('Edited')
    await row.getByRole('button', { name: /^Rename/ }).click()
    await row.getByRole('textbox').press('Escape')
    await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')).resolves.toMatch(/^Rename/)
    await row.getByRole('button', { name: /^Rename/ }).click()
    await row.getByRole('textbox').fill('Q3 notes')
    await row.getByRole('textbox').press('Enter')
    await row.locator('.tandem-doclist__title', { hasText: 'Q3 notes' }).waitFor()
    const renamed = (await (await fetch(`${server.url}/api/docs/${docId}`)).json()) as { title: string }
    expect(renamed.title).toBe('Q3 notes')

    await row.getByRole('button', { name: /^Delete/ }).click()
    const confirm = page.getByTestId('confirm-delete')
    await confirm.waitFor()
    await page.screenshot({ path: artifactPath('confirm-delete.png') })
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await row.waitFor()
    await row.getByRole('button', { name: /^Delete/ }).click()
    await page.getByTestId('confirm-delete').getByRole('button', { name: 'Delete' }).click()
    await row.waitFor({ state: 'detached' })
    expect((await fetch(`${server.url}/api/docs/${docId}`)).status).toBe(404)
    // Nothing of it stays on this device either.
    await expect.poll(() => copiesOf(docId), { timeout: 10_000 }).toBe(0)
  }, 120_000)

  it('narrow window (380 px) and the embed view render usably', async () => {
    const docId = uniqueDocId('narrow')
    const page = await openAs('Narrow', docId, { width: 380, height: 760 })
    await page.locator('.ProseMirror').click()
    await page.keyboard.type('Small screens work too.')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: artifactPath('editor-narrow.png'), fullPage: true })

    const embed = await page.context().newPage()
    await embed.goto(`${server.url}/embed/${docId}?name=Embedded`)
    await embed.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
    await waitForEditorText(embed, 'Small screens work too.')
    expect(await embed.locator('.topbar').count()).toBe(0)
    await embed.screenshot({ path: artifactPath('embed.png') })
  }, 120_000)

  it('a document deleted while open says so and stops accepting edits', async () => {
    const docId = uniqueDocId('deleted')
    const page = await openAs('Reader', docId)
    await page.locator('.ProseMirror').click()
    await page.keyboard.type('Soon gone.')
    await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
    // A rename through the REST API reaches the open editor's title live.
    const renamed = await fetch(`${server.url}/api/docs/${docId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Renamed over REST' }),
    })
    expect(renamed.status).toBe(200)
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="doc-title"]') as HTMLInputElement | null)?.value === 'Renamed over REST',
      undefined,
      { timeout: 15_000 },
    )
    await page.waitForFunction(() => document.title.startsWith('Renamed over REST'))

    expect((await fetch(`${server.url}/api/docs/${docId}`, { method: 'DELETE' })).status).toBe(204)
    await page.getByTestId('closed-banner').waitFor({ timeout: 15_000 })
    await expect(page.getByTestId('closed-banner').textContent()).resolves.toContain('This document was deleted')
    await expect(page.locator('.ProseMirror').getAttribute('contenteditable')).resolves.toBe('false')
    await expect(page.getByRole('button', { name: 'Bold' }).getAttribute('aria-disabled')).resolves.toBe('true')
    await expect(page.getByTestId('doc-title').getAttribute('readonly')).resolves.not.toBeNull()
    await page.screenshot({ path: artifactPath('editor-deleted.png') })
  }, 120_000)

  // Last: it stops and restarts the server.
  it('offline: keeps changes on the device, says so, and saves them when the server is back', async () => {
    const docId = uniqueDocId('offline')
    const page = await openAs('Offline', docId)
    await page.locator('.ProseMirror').click()
    await page.keyboard.type('Typed online.')
    await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

    const { port, dataDir } = server
    await server.stop({ keepData: true })
    await page.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 15_000 })
    await page.keyboard.type(' Typed offline.')
    await page.locator('[data-testid="save-state"][data-state="offline"]').waitFor({ timeout: 15_000 })
    await expect(page.locator('[data-testid="save-state"]').textContent()).resolves.toBe('Offline — 15 changes on this device')
    await page.screenshot({ path: artifactPath('editor-offline.png') })

    server = await startAppServer({ port, dataDir })
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
    await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

    const fresh = await openAs('Checker', docId)
    await waitForEditorText(fresh, 'Typed online. Typed offline.')
  }, 120_000)
})
