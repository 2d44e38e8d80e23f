import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId } from '../helpers/editor-page'
import { readStoredDoc } from '../helpers/storage-inspect'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/**
 * The documents list in real Chromium against the real `npm start` process (SQLite): a link
 * looked at stores nothing (L8), typing creates the document, its row shows who edited and a
 * preview, search finds words only in the text (L9), and all of it survives a restart.
 * Screenshots at 1280 and 390 px, light and dark, go to /tmp/shots/list/.
 */
const availability = browserAvailability()
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const AXE = path.join(root, 'node_modules', 'axe-core', 'axe.min.js')
const SHOTS = '/tmp/shots/list'

let server: AppServer
let browser: Browser
const dataDir = makeTempDir()
const contexts: BrowserContext[] = []

type Scheme = 'light' | 'dark'

async function newPage(label: string, width = 1280, colorScheme: Scheme = 'light'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 860 }, colorScheme })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error.message))
  return page
}

async function live(page: Page) {
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 60_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 60_000 })
}

async function saved(page: Page) {
  await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 60_000 })
}

async function listedIds(): Promise<string[]> {
  const res = await fetch(`${server.url}/api/docs`)
  const body = (await res.json()) as { documents: Array<{ id: string }> }
  return body.documents.map((doc) => doc.id)
}

/** Opens a document as `name`, types `text` into it (and a title when given), and waits until it is stored. */
async function writeDocument(name: string, docId: string, text: string, title?: string): Promise<void> {
  const page = await newPage(name)
  await page.goto(`${server.url}/d/${docId}?name=${encodeURIComponent(name)}`)
  await live(page)
  if (title) {
    await page.getByTestId('doc-title').fill(title)
  }
  await page.locator('.tandem-editor .ProseMirror').click()
  await page.keyboard.type(text)
  await saved(page)
  await page.close()
}

/** The home page, reloaded until the row of `docId` shows a preview (digests follow edits within seconds). */
async function homeWithPreview(page: Page, docId: string): Promise<void> {
  await waitFor(
    async () => {
      await page.goto(server.url)
      const row = page.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`)
      await page.getByTestId('doc-list').waitFor({ timeout: 60_000 })
      return (await row.getByTestId('doc-preview').count()) > 0
    },
    `the preview of ${docId} in the list`,
    30_000,
  )
}

async function contrastViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE })
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown,
          ) => Promise<{ violations: Array<{ id: string; nodes: Array<{ html: string; failureSummary?: string }> }> }>
        }
      }
    ).axe
    const result = await axe.run(document, { runOnly: ['color-contrast'] })
    return result.violations.flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.html} ${node.failureSummary ?? ''}`))
  })
}

describe.skipIf(!availability.run)('the documents list in Chromium', () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true })
    server = await startAppServer({ dataDir })
    browser = await launchChromium(availability.executablePath as string)
  }, 600_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
    removeDir(dataDir)
  })

  it('[L8] a document page looked at and left stores nothing and lists nothing', async () => {
    const docId = uniqueDocId('looked-at')
    const page = await newPage('Ada')
    await page.goto(`${server.url}/d/${docId}?name=Ada`)
    await live(page)
    // Clicking into the editor moves a caret (presence only); "Saved" means the server holds
    // whatever this page sent — had it written anything, it would be stored by now.
    await page.locator('.tandem-editor .ProseMirror').click()
    await page.getByTestId('doc-title').focus()
    await saved(page)
    await page.close()

    expect((await fetch(`${server.url}/api/docs/${docId}`)).status).toBe(404)
    expect(await listedIds()).not.toContain(docId)
    const stored = await readStoredDoc(server.dataDir, docId)
    expect(stored.hasSnapshot).toBe(false)
    expect(stored.logLength).toBe(0)
  }, 120_000)

  it('[L8][L9] typing creates the document; its row shows who edited and a preview; search finds a word of its text', async () => {
    const docId = uniqueDocId('typed')
    await writeDocument('Ada', docId, 'Field notes: the zebra herd crossed the river at dawn, followed by wildebeest.')
    expect(await listedIds()).toContain(docId)
    await writeDocument('Grace', uniqueDocId('plan'), 'Budget, hiring and the offsite in March.', 'Quarterly plan')
    await writeDocument('Linus', uniqueDocId('recipes'), 'Bake the bread at 220 °C for 35 minutes; let it cool on a rack.', 'Recipes')

    const page = await newPage('home')
    await homeWithPreview(page, docId)
    const row = page.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`)
    await expect(row.getByTestId('doc-edited').textContent()).resolves.toMatch(/^Edited .+ by Ada$/)
    await expect(row.getByTestId('doc-preview').textContent()).resolves.toBe(
      'Field notes: the zebra herd crossed the river at dawn, followed by wildebeest.',
    )
    await expect(row.locator('.tandem-doclist__title').textContent()).resolves.toBe('Untitled')

    // "zebra" is only in the text: the server finds it, and the snippet marks it.
    const search = page.getByLabel('Search documents')
    await search.fill('ZEBRA river')
    await page.getByTestId('doc-search-status').filter({ hasText: '1 document matches' }).waitFor({ timeout: 30_000 })
    await expect(page.getByTestId('doc-row').count()).resolves.toBe(1)
    await expect(row.getByTestId('doc-snippet').locator('mark').allTextContents()).resolves.toEqual(['zebra', 'river'])

    // Titles filter at once; nothing matching says so; Clear (a keyboard-reachable button) brings all back.
    await search.fill('quarterly')
    await page.getByTestId('doc-row').filter({ hasText: 'Quarterly plan' }).waitFor()
    await search.fill('okapi')
    await page.getByTestId('no-match').waitFor({ timeout: 30_000 })
    await expect(page.getByTestId('doc-search-status').textContent()).resolves.toBe('No documents match')
    await page.getByTestId('doc-search-clear').focus()
    await page.keyboard.press('Enter')
    await expect(search.inputValue()).resolves.toBe('')
    await page.waitForFunction(() => document.activeElement?.id === 'doc-search')
    await expect(page.getByTestId('doc-row').count()).resolves.toBeGreaterThanOrEqual(3)

    // A restart of the app server keeps the document, its preview and its last editor.
    await server.stop({ keepData: true })
    server = await startAppServer({ dataDir, port: server.port })
    await page.goto(server.url)
    await row.getByTestId('doc-preview').waitFor({ timeout: 60_000 })
    await expect(row.getByTestId('doc-edited').textContent()).resolves.toMatch(/by Ada$/)
  }, 240_000)

  it('is readable at 1280 and 390 px, light and dark: contrast of 4.5:1 or more, screenshots', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [1280, 390]) {
        const page = await newPage(`${scheme}-${width}`, width, scheme)
        await page.goto(server.url)
        await page.getByTestId('doc-list').waitFor({ timeout: 60_000 })
        await page.getByTestId('doc-preview').first().waitFor()
        expect(await contrastViolations(page)).toEqual([])
        await page.screenshot({ path: path.join(SHOTS, `list-${width}-${scheme}.png`), fullPage: true, animations: 'disabled' })
        await page.getByLabel('Search documents').fill('bread')
        await page.getByTestId('doc-snippet').first().waitFor({ timeout: 30_000 })
        expect(await contrastViolations(page)).toEqual([])
        await page.screenshot({ path: path.join(SHOTS, `search-${width}-${scheme}.png`), fullPage: true, animations: 'disabled' })
        // Every control of the list shows where keyboard focus is.
        await page.getByLabel('Search documents').focus()
        const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)
        expect(outline).not.toBe('none')
        await page.close()
      }
    }
  }, 240_000)
})
