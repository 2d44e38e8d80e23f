import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { axeViolations, formatViolations } from '../helpers/axe'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText, waitForPresence } from '../helpers/editor-page'
import { walkTabOrder } from '../helpers/focus-ring'

/**
 * axe-core (WCAG 2.0 A/AA, 2.1 AA) on the app's pages in real Chromium: no serious or critical
 * violation on the documents list, a document with content and a second person present, and
 * the embed page, in light and dark mode, on a desktop and a phone-sized window.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []
const docId = uniqueDocId('a11y')

type Scheme = 'light' | 'dark'

async function newPage(scheme: Scheme, width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 800 }, colorScheme: scheme })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error('page error:', error.message))
  return page
}

async function openDocument(page: Page, name: string): Promise<void> {
  await page.goto(`${server.url}/d/${docId}?name=${encodeURIComponent(name)}`)
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 20_000 })
}

/** Each page's violations as a readable block ('' when none), collected so one run shows them all. */
async function violationsOn(page: Page, where: string): Promise<string> {
  const violations = await axeViolations(page)
  return violations.length > 0 ? formatViolations(violations, where) : ''
}

describe.skipIf(!availability.run)('accessibility (axe-core) of the app pages', () => {
  beforeAll(async () => {
    server = await startAppServer()
    browser = await launchChromium(availability.executablePath as string)
    // A document with content of every common kind, and a second person who stays in it.
    const writer = await newPage('light', 1280)
    await openDocument(writer, 'Grace Hopper')
    await writer.locator('[data-testid="doc-title"]').fill('Accessibility check')
    await writer.locator('.ProseMirror').click()
    await writer.keyboard.type('# Launch plan\nSome text with ')
    await writer.keyboard.press('Control+b')
    await writer.keyboard.type('bold')
    await writer.keyboard.press('Control+b')
    await writer.keyboard.type(' words.\n- first item\nsecond item\n\n> a quote\n')
    await waitForEditorText(writer, 'a quote')
    await writer.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 20_000 })
  }, 600_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [1280, 390]) {
      it(`${scheme} mode at ${width} px: the documents list, a shared document and the embed page`, async () => {
        const page = await newPage(scheme, width)

        const problems: string[] = []
        await page.goto(`${server.url}/`)
        await page.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`).waitFor({ timeout: 20_000 })
        problems.push(await violationsOn(page, `/ (${scheme}, ${width} px)`))

        await openDocument(page, 'Ada Lovelace')
        await waitForEditorText(page, 'a quote')
        await waitForPresence(page, (names) => names.includes('Grace Hopper') && names.includes('Ada Lovelace'), 20_000)
        await page.locator('[data-testid="save-state"]').waitFor()
        problems.push(await violationsOn(page, `/d/${docId} (${scheme}, ${width} px)`))

        await page.goto(`${server.url}/embed/${docId}`)
        await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 20_000 })
        await waitForEditorText(page, 'a quote')
        problems.push(await violationsOn(page, `/embed/${docId} (${scheme}, ${width} px)`))

        expect(problems.filter(Boolean).join('\n\n')).toBe('')
      }, 120_000)
    }
  }

  it('every control reachable by Tab shows a focus ring (the documents list and a document)', async () => {
    const page = await newPage('light', 1280)
    const missing: string[] = []
    await page.goto(`${server.url}/`)
    await page.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`).waitFor({ timeout: 20_000 })
    const homeStops = await walkTabOrder(page)
    missing.push(...homeStops.filter((stop) => !stop.visible).map((stop) => `/ ${stop.description}`))
    await openDocument(page, 'Ada Lovelace')
    const docStops = await walkTabOrder(page)
    missing.push(...docStops.filter((stop) => !stop.visible).map((stop) => `/d ${stop.description}`))
    // The walk really went through the controls (title, toolbar, editor, share …).
    expect(homeStops.length).toBeGreaterThan(3)
    expect(docStops.length).toBeGreaterThan(5)
    expect(missing).toEqual([])
  }, 120_000)
})
