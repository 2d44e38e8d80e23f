import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { openDocPage, uniqueDocId, waitForEditorText } from '../helpers/editor-page'
import { waitFor } from '../helpers/wait'

/**
 * The editing helpers in real Chromium against the real `npm start` process, two people on one
 * document: the link prompt (Mod-k), the bubble menu, the `/` menu, the placeholder and the word
 * count (lib/react/link-prompt.tsx, selection-bubble-menu.tsx, slash-menu.tsx, word-count.tsx).
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function openAs(name: string, docId: string): Promise<Page> {
  return openDocPage(browser, contexts, `${server.url}/d/${docId}?name=${encodeURIComponent(name)}`, name)
}

/** Both people on a new document, Ada's editor focused. */
async function pair(label: string): Promise<[Page, Page]> {
  const docId = uniqueDocId(label)
  const ada = await openAs('Ada', docId)
  const grace = await openAs('Grace', docId)
  await ada.locator('.ProseMirror').click()
  return [ada, grace]
}

/** Moves `skip` characters left from the end of the line, then selects `count` more to the left. */
async function selectBack(page: Page, count: number, skip = 0) {
  await page.keyboard.press('End')
  for (let i = 0; i < skip; i++) await page.keyboard.press('ArrowLeft')
  for (let i = 0; i < count; i++) await page.keyboard.press('Shift+ArrowLeft')
}

/** An element's text without the name labels of other people's carets inside it. */
const textOf = (locator: Locator) =>
  locator.evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    return copy.textContent ?? ''
  })

const focusedInEditor = (page: Page) => page.evaluate(() => document.activeElement?.classList.contains('ProseMirror') ?? false)

describe.skipIf(!availability.run)('editor menus in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  }, 120_000)

  it('Ctrl+K links the selection (the other person gets the href); javascript: is refused in the prompt', async () => {
    const [ada, grace] = await pair('link')
    await ada.keyboard.type('Read the guide now')
    await waitForEditorText(grace, 'Read the guide now')
    await selectBack(ada, 'guide'.length, ' now'.length)

    await ada.keyboard.press('Control+k')
    const prompt = ada.getByTestId('link-prompt')
    await prompt.waitFor()
    expect(await ada.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('link-url')
    // A selection: no "text" field.
    expect(await ada.getByTestId('link-text').count()).toBe(0)
    await ada.keyboard.type('example.com/guide')
    await ada.keyboard.press('Enter')
    await prompt.waitFor({ state: 'detached' })
    expect(await focusedInEditor(ada)).toBe(true)

    const link = grace.locator('.ProseMirror a[href="https://example.com/guide"]')
    await link.waitFor({ timeout: 15_000 })
    expect(await textOf(link)).toBe('guide')

    // A javascript: address is refused, with the reason, and nothing is linked.
    await selectBack(ada, 'Read'.length, ' the guide now'.length)
    await ada.keyboard.press('Control+k')
    await prompt.waitFor()
    await ada.getByTestId('link-url').fill('javascript:alert(1)')
    await ada.keyboard.press('Enter')
    const error = ada.getByTestId('link-error')
    await waitFor(async () => ((await error.textContent()) ?? '').includes('javascript:'), 'the refusal')
    expect(await error.textContent()).toMatch(/not allowed/)
    expect(await ada.getByTestId('link-url').getAttribute('aria-invalid')).toBe('true')
    expect(await prompt.isVisible()).toBe(true)
    // Escape cancels and gives the keyboard back to the editor.
    await ada.keyboard.press('Escape')
    await prompt.waitFor({ state: 'detached' })
    expect(await focusedInEditor(ada)).toBe(true)
    expect(await ada.locator('.ProseMirror a').count()).toBe(1)
    expect(await ada.locator('.ProseMirror a[href^="javascript"]').count()).toBe(0)

    // In the link, the prompt edits it: prefilled, with Remove link.
    await ada.locator('.ProseMirror a').click()
    await ada.keyboard.press('Control+k')
    await prompt.waitFor()
    expect(await ada.getByTestId('link-url').inputValue()).toBe('https://example.com/guide')
    await ada.getByTestId('link-remove').click()
    await grace.locator('.ProseMirror a').waitFor({ state: 'detached', timeout: 15_000 })
    expect(await textOf(grace.locator('.ProseMirror'))).toContain('Read the guide now')

    // Nothing selected: the address is inserted as linked text (or the text given).
    await ada.keyboard.press('End')
    await ada.keyboard.type(' ')
    await ada.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Link' }).click()
    await prompt.waitFor()
    await ada.getByTestId('link-url').fill('mailto:ada@example.com')
    await ada.getByTestId('link-text').fill('write to Ada')
    await ada.getByTestId('link-apply').click()
    const mail = grace.locator('.ProseMirror a[href="mailto:ada@example.com"]')
    await mail.waitFor({ timeout: 15_000 })
    expect(await textOf(mail)).toBe('write to Ada')
  }, 120_000)

  it('the bubble menu shows on selected text and its Bold reaches the other person', async () => {
    const [ada, grace] = await pair('bubble')
    const bubble = ada.getByTestId('bubble-menu')
    await ada.keyboard.type('Make this bold')
    expect(await bubble.isVisible()).toBe(false)
    await selectBack(ada, 'bold'.length)
    await bubble.waitFor({ state: 'visible' })
    for (const name of ['Bold', 'Italic', 'Underline', 'Strikethrough', 'Inline code', 'Highlight', 'Link']) {
      expect(await bubble.getByRole('button', { name }).count()).toBe(1)
    }
    await bubble.getByRole('button', { name: 'Bold' }).click()
    await grace.locator('.ProseMirror strong', { hasText: 'bold' }).waitFor({ timeout: 15_000 })
    expect(await bubble.getByRole('button', { name: 'Bold' }).getAttribute('aria-pressed')).toBe('true')
    // Collapsing the selection hides it again.
    await ada.keyboard.press('End')
    await bubble.waitFor({ state: 'hidden' })
  }, 120_000)

  it('the / menu filters as one types and inserts a table and a heading (the other person sees them)', async () => {
    const [ada, grace] = await pair('slash')
    await ada.keyboard.type('Intro')
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('/')
    const menu = ada.getByTestId('slash-menu')
    await menu.waitFor()
    expect(await menu.getByRole('option').count()).toBe(11)
    await ada.keyboard.type('tab')
    await waitFor(async () => (await menu.getByRole('option').count()) === 1, 'the list filtered to Table')
    const option = menu.getByRole('option', { name: /Table/ })
    expect(await option.getAttribute('aria-selected')).toBe('true')
    // The editor points screen readers at the active option.
    const optionId = await option.getAttribute('id')
    expect(await ada.locator('.ProseMirror').getAttribute('aria-activedescendant')).toBe(optionId)
    await ada.keyboard.press('Enter')
    await menu.waitFor({ state: 'detached' })
    await grace.locator('.ProseMirror table th').first().waitFor({ timeout: 15_000 })
    expect(await grace.locator('.ProseMirror table tr').count()).toBe(3)
    expect(await ada.locator('.ProseMirror').textContent()).not.toContain('/tab')

    // Below the table: "/h2", arrow keys and Enter, then the heading's text.
    await ada.keyboard.press('Control+End')
    await ada.keyboard.type('/h')
    await menu.waitFor()
    await ada.keyboard.type('2')
    await waitFor(async () => (await menu.locator('.tandem-slash__title').first().textContent()) === 'Heading 2', 'Heading 2 first')
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('Details')
    const heading = grace.locator('.ProseMirror h2', { hasText: 'Details' })
    await heading.waitFor({ timeout: 15_000 })
    expect(await textOf(heading)).toBe('Details')

    // Escape closes the menu and leaves the typed text; the mouse picks an entry too.
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('/quo')
    await menu.waitFor()
    await ada.keyboard.press('Escape')
    await menu.waitFor({ state: 'detached' })
    await waitForEditorText(grace, '/quo')
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('/')
    await menu.getByRole('option', { name: /Divider/ }).click()
    await grace.locator('.ProseMirror hr').waitFor({ timeout: 15_000 })
  }, 120_000)

  it('an empty document shows the placeholder; the word count follows typing and the selection', async () => {
    const [ada] = await pair('count')
    const empty = ada.locator('.ProseMirror p.is-editor-empty')
    await empty.waitFor()
    expect(await empty.getAttribute('data-placeholder')).toBe('Write something, or press / for commands')
    const shown = await empty.evaluate((el) => getComputedStyle(el, '::before').content)
    expect(shown).toBe('"Write something, or press / for commands"')
    const count = ada.getByTestId('word-count')
    expect(await count.textContent()).toBe('0 words · 0 characters')

    await ada.keyboard.type('one two three')
    await empty.waitFor({ state: 'detached' })
    await waitFor(async () => (await count.textContent()) === '3 words · 13 characters', 'the count after typing', 15_000)
    await selectBack(ada, 'three'.length)
    await waitFor(async () => (await count.textContent()) === '1 of 3 words · 5 of 13 characters', 'the count of the selection', 15_000)
  }, 120_000)
})
