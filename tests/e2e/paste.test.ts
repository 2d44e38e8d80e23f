import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { openDocPage, uniqueDocId } from '../helpers/editor-page'

/**
 * Pasting (issue 13): Markdown copied as plain text becomes formatting for everyone, an HTML
 * table from another editor stays a table, a URL pasted over a selection links it, and a
 * `javascript:` address never becomes a link. The paste is a real ClipboardEvent carrying a
 * DataTransfer, dispatched on the editor as the browser does.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function openAs(name: string, docId: string): Promise<Page> {
  return openDocPage(browser, contexts, `${server.url}/d/${docId}?name=${encodeURIComponent(name)}`, name, { width: 1280, height: 900 })
}

function paste(page: Page, data: Record<string, string>): Promise<boolean> {
  return page.evaluate((entries) => {
    const transfer = new DataTransfer()
    for (const [type, value] of Object.entries(entries)) transfer.setData(type, value)
    const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true })
    document.querySelector('.ProseMirror')?.dispatchEvent(event)
    return event.defaultPrevented
  }, data)
}

const MARKDOWN = [
  '# Release notes',
  '',
  'Read the [guide](https://example.com/guide) first, **please**.',
  '',
  '- one',
  '- two',
  '',
  '1. first',
  '2. second',
  '',
  '- [x] shipped',
  '- [ ] announced',
  '',
  '> quoted words',
  '',
  '```ts',
  'const x = 1',
  '```',
  '',
  '| Name | Score |',
  '| --- | --- |',
  '| Ada | 10 |',
].join('\n')

/** Cell texts without the name labels of other writers' carets (rendered inside the text). */
const cellTexts = (page: Page, selector: string) =>
  page.locator(`.ProseMirror ${selector}`).evaluateAll((cells) =>
    cells.map((cell) => {
      const copy = cell.cloneNode(true) as HTMLElement
      for (const caret of Array.from(copy.querySelectorAll('.collaboration-carets__caret'))) caret.remove()
      return copy.textContent
    }),
  )

async function expectPastedMarkdown(page: Page): Promise<void> {
  const pm = page.locator('.ProseMirror')
  await pm.locator('h1', { hasText: 'Release notes' }).waitFor({ timeout: 15_000 })
  await expect(pm.locator('a', { hasText: 'guide' }).getAttribute('href')).resolves.toBe('https://example.com/guide')
  await pm.locator('strong', { hasText: 'please' }).waitFor()
  await expect(pm.locator('ul:not([data-type]) > li').allTextContents()).resolves.toEqual(['one', 'two'])
  await expect(pm.locator('ol > li').allTextContents()).resolves.toEqual(['first', 'second'])
  await pm.locator('ul[data-type="taskList"] > li[data-checked="true"]', { hasText: 'shipped' }).waitFor()
  await pm.locator('blockquote', { hasText: 'quoted words' }).waitFor()
  await expect(pm.locator('pre code').textContent()).resolves.toBe('const x = 1')
  await expect(cellTexts(page, 'table th')).resolves.toEqual(['Name', 'Score'])
  await expect(cellTexts(page, 'table td')).resolves.toEqual(['Ada', '10'])
}

describe.skipIf(!availability.run)('pasting in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    browser = await launchChromium(availability.executablePath as string)
  }, 600_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  it('Markdown pasted as plain text becomes formatting for both writers; plain prose stays as typed', async () => {
    const docId = uniqueDocId('paste-md')
    const ada = await openAs('Ada', docId)
    const grace = await openAs('Grace', docId)
    await ada.locator('.ProseMirror').click()
    await expect(paste(ada, { 'text/plain': MARKDOWN })).resolves.toBe(true)
    await expectPastedMarkdown(ada)
    await expectPastedMarkdown(grace)

    // Prose with a dash and a star is no Markdown: pasted as it is.
    await ada.locator('.ProseMirror > p').last().click()
    await paste(ada, { 'text/plain': 'Prices rose 5* today - a lot' })
    await ada.locator('.ProseMirror p', { hasText: 'Prices rose 5* today - a lot' }).waitFor()
    await grace.locator('.ProseMirror p', { hasText: 'Prices rose 5* today - a lot' }).waitFor({ timeout: 15_000 })
  }, 300_000)

  it('an HTML table from another editor stays a table', async () => {
    const page = await openAs('Ada', uniqueDocId('paste-table'))
    await page.locator('.ProseMirror').click()
    const html =
      '<meta charset="utf-8"><b style="font-weight:normal" id="docs-internal-guid-1"><div dir="ltr"><table style="border:none;border-collapse:collapse"><colgroup><col width="120"><col width="120"></colgroup><tbody>' +
      '<tr><td style="border:solid #000 1pt"><p dir="ltr"><span style="font-weight:700">Team</span></p></td><td><p><span>Goal</span></p></td></tr>' +
      '<tr><td><p><span>Docs</span></p></td><td><p><span>Ship it</span></p></td></tr></tbody></table></div></b>'
    await paste(page, { 'text/html': html, 'text/plain': 'Team\tGoal\nDocs\tShip it' })
    const pm = page.locator('.ProseMirror')
    await pm.locator('table').waitFor()
    await expect(pm.locator('table tr').count()).resolves.toBe(2)
    await expect(pm.locator('table td, table th').allTextContents()).resolves.toEqual(['Team', 'Goal', 'Docs', 'Ship it'])
  }, 300_000)

  it('a URL pasted over selected text links it; a javascript: address never becomes a link', async () => {
    const docId = uniqueDocId('paste-link')
    const ada = await openAs('Ada', docId)
    const grace = await openAs('Grace', docId)
    const pm = ada.locator('.ProseMirror')
    await pm.click()
    await ada.keyboard.type('see the docs')
    for (let i = 0; i < 4; i++) await ada.keyboard.press('Shift+ArrowLeft')
    await paste(ada, { 'text/plain': 'https://example.com/docs' })
    await expect(pm.locator('a', { hasText: 'docs' }).getAttribute('href')).resolves.toBe('https://example.com/docs')
    await expect(grace.locator('.ProseMirror a', { hasText: 'docs' }).getAttribute('href', { timeout: 15_000 })).resolves.toBe(
      'https://example.com/docs',
    )
    await expect(pm.textContent()).resolves.toBe('see the docs')

    // Over a selection, as Markdown, and typed: never a link. (A click puts the caret after the
    // link: a key press right after the paste can still meet the pasted selection.)
    await pm.locator('p', { hasText: 'see the docs' }).click({ position: { x: 2, y: 2 } })
    await ada.keyboard.press('End')
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('click me')
    for (let i = 0; i < 2; i++) await ada.keyboard.press('Shift+ArrowLeft')
    await paste(ada, { 'text/plain': 'javascript:alert(1)' })
    await ada.keyboard.press('End')
    await ada.keyboard.press('Enter')
    await paste(ada, { 'text/plain': '[run](javascript:alert(1)) and [data](data:text/html,x) **now**' })
    await pm.locator('strong', { hasText: 'now' }).waitFor()
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('javascript:alert(2) ')
    await paste(ada, { 'text/html': '<a href="javascript:alert(3)">html link</a>', 'text/plain': 'html link' })
    await grace.locator('.ProseMirror', { hasText: 'html link' }).waitFor({ timeout: 15_000 })
    for (const page of [ada, grace]) {
      const hrefs = await page.locator('.ProseMirror a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))
      expect(hrefs).toEqual(['https://example.com/docs'])
    }
  }, 300_000)
})
