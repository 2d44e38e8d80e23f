import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { openDocPage, uniqueDocId, waitForEditorText } from '../helpers/editor-page'
import { signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/**
 * Find and replace (lib/react/find-bar.tsx over lib/editor/find.ts) in real Chromium against the
 * real `npm start` process with auth on: two editors and a viewer (a view-only token) on one
 * document.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function openAs(name: string, docId: string, role: 'editor' | 'viewer'): Promise<Page> {
  const token = await signToken({ sub: name.toLowerCase(), name, docs: ['*'], role }, { expiresIn: 3600 })
  return openDocPage(browser, contexts, `${server.url}/d/${docId}?token=${token}`, name)
}

/** The document's text, without the name labels of other people's carets. */
const editorText = (page: Page) =>
  page.locator('.ProseMirror').evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    return copy.textContent ?? ''
  })

async function waitForCount(page: Page, text: string) {
  const count = page.getByTestId('find-count')
  await waitFor(async () => (await count.textContent()) === text, `the find count "${text}"`, 15_000).catch(async (error) => {
    throw new Error(`${error.message}; it says "${await count.textContent()}"`)
  })
}

const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null)
const currentMatchText = (page: Page) => page.locator('.tandem-find-match--current').textContent()

describe.skipIf(!availability.run)('find and replace in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer({ env: { TANDEM_AUTH_SECRET: TEST_SECRET } })
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  }, 120_000)

  it('Ctrl+F finds with highlights and a count, moves with Enter, follows edits, replaces for everyone; a viewer only finds', async () => {
    const docId = uniqueDocId('find')
    const ada = await openAs('Ada', docId, 'editor')
    const grace = await openAs('Grace', docId, 'editor')
    const vera = await openAs('Vera', docId, 'viewer')

    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('apple banana Apple cherry apple')
    await waitForEditorText(grace, 'apple banana Apple cherry apple')
    await waitForEditorText(vera, 'apple banana Apple cherry apple')

    // Ctrl+F opens Tandem's find bar (focused), not the browser's.
    await ada.keyboard.press('Control+f')
    const bar = ada.getByTestId('find-bar')
    await bar.waitFor()
    expect(await focusedTestId(ada)).toBe('find-input')
    await ada.keyboard.type('apple')
    await waitForCount(ada, '1 of 3')
    expect(await ada.locator('.ProseMirror .tandem-find-match').count()).toBe(3)
    expect(await ada.locator('.ProseMirror .tandem-find-match--current').count()).toBe(1)

    // Enter goes to the next match, Shift+Enter back, the button too.
    await ada.keyboard.press('Enter')
    await waitForCount(ada, '2 of 3')
    expect(await currentMatchText(ada)).toBe('Apple')
    await ada.keyboard.press('Shift+Enter')
    await waitForCount(ada, '1 of 3')
    await ada.getByTestId('find-next').click()
    await waitForCount(ada, '2 of 3')

    // Match case.
    await ada.getByTestId('find-case').click()
    expect(await ada.getByTestId('find-case').getAttribute('aria-pressed')).toBe('true')
    await waitFor(async () => (await ada.getByTestId('find-count').textContent())?.endsWith('of 2') ?? false, 'two case-sensitive matches')
    expect(await ada.locator('.ProseMirror .tandem-find-match').count()).toBe(2)
    await ada.getByTestId('find-case').click()
    await waitFor(async () => (await ada.getByTestId('find-count').textContent())?.endsWith('of 3') ?? false, 'three matches again')

    // A collaborator's edit updates the matches live.
    await grace.locator('.ProseMirror').click()
    await grace.keyboard.press('Control+End')
    await grace.keyboard.type(' and apple pie')
    await waitFor(async () => (await ada.getByTestId('find-count').textContent())?.endsWith('of 4') ?? false, 'the fourth match', 15_000)
    expect(await ada.locator('.ProseMirror .tandem-find-match').count()).toBe(4)

    // Nothing found.
    await ada.getByTestId('find-input').fill('durian')
    await waitForCount(ada, 'No results')
    expect(await ada.locator('.ProseMirror .tandem-find-match').count()).toBe(0)

    // Replace all: everyone gets the new text.
    // (A new search starts from the caret: the match after it is current, whichever that is.)
    await ada.getByTestId('find-input').fill('apple')
    await waitFor(async () => (await ada.getByTestId('find-count').textContent())?.endsWith('of 4') ?? false, 'four apples')
    await ada.getByTestId('replace-input').fill('pear')
    await ada.getByTestId('replace-all').click()
    await waitForCount(ada, 'No results')
    const replaced = 'pear banana pear cherry pear and pear pie'
    await waitFor(async () => (await editorText(grace)) === replaced, 'the replaced text for Grace', 15_000)
    await waitFor(async () => (await editorText(vera)) === replaced, 'the replaced text for Vera', 15_000)

    // Escape closes the bar, removes the highlights and returns to the editor.
    // (The search starts from the caret, here at the end of the text after the replacement.)
    await ada.getByTestId('find-input').fill('pear')
    await waitFor(async () => (await ada.getByTestId('find-count').textContent())?.endsWith('of 4') ?? false, 'four pears')
    await ada.keyboard.press('Escape')
    await bar.waitFor({ state: 'detached' })
    expect(await ada.locator('.ProseMirror .tandem-find-match').count()).toBe(0)
    expect(await ada.evaluate(() => document.activeElement?.classList.contains('ProseMirror'))).toBe(true)

    // The viewer: Ctrl+F from anywhere on the page (here the title) finds, but cannot replace.
    await vera.getByTestId('doc-title').click()
    await vera.keyboard.press('Control+f')
    await vera.getByTestId('find-bar').waitFor()
    await vera.keyboard.type('pear')
    await waitFor(async () => (await vera.getByTestId('find-count').textContent())?.endsWith('of 4') ?? false, 'four pears for Vera')
    expect(await vera.locator('.ProseMirror .tandem-find-match').count()).toBe(4)
    expect(await vera.getByTestId('replace-input').count()).toBe(0)
    expect(await vera.getByTestId('replace-all').count()).toBe(0)
    // And no placeholder, bubble menu or / menu for a viewer.
    expect(await vera.locator('.ProseMirror [data-placeholder]').count()).toBe(0)
    expect(await vera.getByTestId('bubble-menu').count()).toBe(0)
  }, 120_000)
})
