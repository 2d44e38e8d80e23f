import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { openDocPage, uniqueDocId, waitForEditorText } from '../helpers/editor-page'

/**
 * The formatting writers choose (issue 13): underline, highlight, alignment, checklists,
 * tables and rules made with the toolbar and Tiptap's shortcuts, seen by a second writer and
 * stored by the server; and the toolbar on a phone-sized screen. Real Chromium, the real
 * `npm start` process.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function openAs(name: string, docId: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  return openDocPage(browser, contexts, `${server.url}/d/${docId}?name=${encodeURIComponent(name)}`, name, viewport)
}

const tool = (page: Page, id: string) => page.locator(`.tandem-toolbar [data-toolbar-item="${id}"]`)
const count = (page: Page, selector: string) => page.locator(`.ProseMirror ${selector}`).count()

/** Everything user A made, as the other page shows it. */
async function expectAllFormatting(page: Page): Promise<void> {
  const pm = page.locator('.ProseMirror')
  await pm.locator('u', { hasText: 'underlined' }).waitFor({ timeout: 15_000 })
  await pm.locator('mark', { hasText: 'highlighted' }).waitFor()
  await expect(pm.locator('p', { hasText: 'Centred line' }).getAttribute('style')).resolves.toContain('text-align: center')
  await pm.locator('ul[data-type="taskList"] > li[data-checked="true"]', { hasText: 'first task' }).waitFor()
  await pm.locator('ul[data-type="taskList"] > li[data-checked="false"]', { hasText: 'second task' }).waitFor()
  await expect(count(page, 'table tr')).resolves.toBe(4)
  await expect(page.locator('.ProseMirror table tr').first().locator('td, th').count()).resolves.toBe(4)
  await expect(count(page, 'table th')).resolves.toBe(0)
  await expect(count(page, 'hr')).resolves.toBe(1)
}

describe.skipIf(!availability.run)('editing features in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    browser = await launchChromium(availability.executablePath as string)
  }, 600_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  it('starting with a heading leaves no hidden empty paragraph after it', async () => {
    const page = await openAs('Ada', uniqueDocId('heading'))
    await page.locator('.ProseMirror').click()
    await page.keyboard.type('# Plan')
    await page.keyboard.press('Enter')
    await page.keyboard.type('First line')
    const blocks = () => page.locator('.ProseMirror').evaluate((el) => Array.from(el.children, (c) => `${c.tagName}:${c.textContent}`))
    await expect(blocks()).resolves.toEqual(['H1:Plan', 'P:First line'])
    // A blank line typed on purpose stays.
    await page.keyboard.press('Enter')
    await page.keyboard.press('Enter')
    await expect(blocks()).resolves.toEqual(['H1:Plan', 'P:First line', 'P:', 'P:'])
  }, 300_000)

  it('underline, highlight, alignment, a checklist, a table and a rule reach the other writer and are stored', async () => {
    const docId = uniqueDocId('formats')
    const ada = await openAs('Ada', docId)
    const grace = await openAs('Grace', docId)
    const pm = ada.locator('.ProseMirror')
    await pm.click()

    // Marks: a shortcut (Tiptap's Mod-u) and the toolbar.
    await ada.keyboard.press('Control+u')
    await ada.keyboard.type('underlined')
    await ada.keyboard.press('Control+u')
    await ada.keyboard.type(' and ')
    await tool(ada, 'highlight').click()
    await ada.keyboard.type('highlighted')
    await expect(tool(ada, 'highlight').getAttribute('aria-pressed')).resolves.toBe('true')
    await ada.keyboard.press('Control+Shift+h')
    await ada.keyboard.type(' words')
    await ada.keyboard.press('Enter')

    // A centred paragraph (Mod-Shift-e), then back to the left with the toolbar for the next.
    await ada.keyboard.type('Centred line')
    await ada.keyboard.press('Control+Shift+e')
    await expect(tool(ada, 'alignCenter').getAttribute('aria-pressed')).resolves.toBe('true')
    await ada.keyboard.press('Enter')
    await tool(ada, 'alignLeft').click()

    // A checklist; its first item checked with a click on the box.
    await tool(ada, 'taskList').click()
    await ada.keyboard.type('first task')
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('second task')
    await ada.keyboard.press('Enter')
    await ada.keyboard.press('Enter')
    await pm.locator('ul[data-type="taskList"] > li').first().locator('input[type="checkbox"]').click()
    await pm.locator('ul[data-type="taskList"] > li[data-checked="true"]').waitFor()

    // A 3×3 table with a header row; a row and a column added; the header row turned off.
    await pm.locator(':scope > p').last().click()
    await tool(ada, 'table').click()
    await ada.getByTestId('table-controls').waitFor()
    await expect(pm.locator('table th').count()).resolves.toBe(3)
    await ada.keyboard.type('Name')
    await tool(ada, 'addRowAfter').click()
    await tool(ada, 'addColumnAfter').click()
    await expect(tool(ada, 'toggleHeaderRow').getAttribute('aria-pressed')).resolves.toBe('true')
    await tool(ada, 'toggleHeaderRow').click()
    await expect(tool(ada, 'toggleHeaderRow').getAttribute('aria-pressed')).resolves.toBe('false')

    // A rule after the table.
    await pm.locator(':scope > p').last().click()
    await expect(ada.getByTestId('table-controls').count()).resolves.toBe(0)
    await tool(ada, 'horizontalRule').click()

    await expectAllFormatting(ada)
    await expectAllFormatting(grace)

    // The checkbox is a real control: Grace checks the second item from the keyboard.
    const secondBox = grace.locator('.ProseMirror ul[data-type="taskList"] > li').nth(1).locator('input[type="checkbox"]')
    await secondBox.focus()
    await grace.keyboard.press('Space')
    await pm.locator('ul[data-type="taskList"] > li[data-checked="true"]', { hasText: 'second task' }).waitFor({ timeout: 15_000 })
    await secondBox.focus()
    await grace.keyboard.press('Space')
    await pm.locator('ul[data-type="taskList"] > li[data-checked="false"]', { hasText: 'second task' }).waitFor({ timeout: 15_000 })

    // Stored: after a restart of the server, a new browser profile (no local copy) shows it all.
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
    const { port, dataDir } = server
    await server.stop({ keepData: true })
    server = await startAppServer({ port, dataDir })
    const checker = await openAs('Checker', docId)
    await waitForEditorText(checker, 'Centred line')
    await expectAllFormatting(checker)
  }, 480_000)

  it('on a 390 px screen: nothing overflows, the toolbar is one row with a More menu, the title shows in full', async () => {
    const page = await openAs('Phone', uniqueDocId('narrow'), { width: 390, height: 844 })
    const title = page.getByTestId('doc-title')
    await title.fill('Quarterly planning notes')

    const layout = await page.evaluate(() => {
      const width = document.documentElement.clientWidth
      const overflowing = Array.from(document.querySelectorAll<HTMLElement>('body *'))
        .filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > width + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
      const input = document.querySelector<HTMLInputElement>('[data-testid="doc-title"]')
      const buttons = Array.from(document.querySelectorAll<HTMLElement>('.tandem-toolbar [data-toolbar-item]')).filter(
        (el) => el.getClientRects().length > 0,
      )
      // A divider is a group's left border: the first group of a row must not show one.
      const groups = Array.from(document.querySelectorAll<HTMLElement>('.tandem-toolbar > .tandem-toolbar__group')).filter(
        (el) => el.getClientRects().length > 0,
      )
      const top = (el: HTMLElement | undefined) => Math.round(el?.getBoundingClientRect().top ?? -1)
      const rowStarts = groups.filter((group, i) => i === 0 || top(group) !== top(groups[i - 1]))
      return {
        pageScrolls: document.documentElement.scrollWidth > width,
        overflowing,
        title: input ? { scroll: input.scrollWidth, client: input.clientWidth } : null,
        rows: new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top))).size,
        visible: buttons.map((b) => b.dataset.toolbarItem),
        dividersAtRowStart: rowStarts.filter((g) => getComputedStyle(g).borderLeftStyle !== 'none').length,
      }
    })
    expect(layout.pageScrolls).toBe(false)
    expect(layout.overflowing).toEqual([])
    expect(layout.title && layout.title.scroll <= layout.title.client).toBe(true)
    expect(layout.rows).toBe(1)
    expect(layout.dividersAtRowStart).toBe(0)
    expect(layout.visible).toEqual(['undo', 'redo', 'bold', 'italic', 'underline', 'bulletList', 'taskList', 'more'])

    // The keyboard reaches every control: End lands on More, with a visible focus ring.
    await page.locator('.ProseMirror').click()
    await page.keyboard.type('Some text')
    await tool(page, 'bold').focus()
    await page.keyboard.press('End')
    const more = tool(page, 'more')
    await expect(more.evaluate((el) => el === document.activeElement)).resolves.toBe(true)
    await expect(more.evaluate((el) => getComputedStyle(el).outlineStyle)).resolves.toBe('solid')

    // The menu: opened from the keyboard on its first item, arrows move, Escape returns focus.
    await expect(more.getAttribute('aria-haspopup')).resolves.toBe('menu')
    await page.keyboard.press('Enter')
    await expect(more.getAttribute('aria-expanded')).resolves.toBe('true')
    const menu = page.getByRole('menu', { name: 'More formatting' })
    const focusedItem = () => page.evaluate(() => document.activeElement?.getAttribute('data-menu-item'))
    await expect(focusedItem()).resolves.toBe('h1')
    await page.keyboard.press('ArrowDown')
    await expect(focusedItem()).resolves.toBe('h2')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowUp')
    await expect(focusedItem()).resolves.toBe('image')
    const items = await menu
      .locator('[role^="menuitem"]')
      .evaluateAll((els) => els.filter((el) => el.getClientRects().length > 0).map((el) => el.getAttribute('data-menu-item')))
    expect(items).toEqual([
      'h1',
      'h2',
      'h3',
      'strike',
      'highlight',
      'code',
      'link',
      'orderedList',
      'blockquote',
      'codeBlock',
      'alignLeft',
      'alignCenter',
      'alignRight',
      'horizontalRule',
      'table',
      'image',
    ])
    await page.keyboard.press('Escape')
    await expect(more.getAttribute('aria-expanded')).resolves.toBe('false')
    await expect(more.evaluate((el) => el === document.activeElement)).resolves.toBe(true)

    // Its items work: a heading, then a table (whose controls fit the screen too).
    await page.locator('.ProseMirror p', { hasText: 'Some text' }).click()
    await more.click()
    await menu.getByRole('menuitemcheckbox', { name: /Heading 2/ }).click()
    await page.locator('.ProseMirror h2', { hasText: 'Some text' }).waitFor()
    await expect(menu.count()).resolves.toBe(0)
    await page.locator('.ProseMirror > p').last().click()
    await more.click()
    await menu.getByRole('menuitem', { name: /Insert table/ }).click()
    await page.locator('.ProseMirror table').waitFor()
    await page.getByTestId('table-controls').waitFor()
    const controlsOverflow = await page.evaluate(
      () =>
        (document.querySelector('[data-testid="table-controls"]')?.getBoundingClientRect().right ?? 0) >
        document.documentElement.clientWidth,
    )
    expect(controlsOverflow).toBe(false)
  }, 300_000)
})
