import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { openDocPage, uniqueDocId } from '../helpers/editor-page'
import { waitFor } from '../helpers/wait'

/**
 * Undo that is safe together (lib/editor/undo.ts), in real Chromium against the real app: one
 * writer's undo never takes away what another typed, and undo steps are about a word.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function openAs(name: string, docId: string): Promise<Page> {
  return openDocPage(browser, contexts, `${server.url}/d/${docId}?name=${encodeURIComponent(name)}`, name)
}

/**
 * The editor's content as the page shows it, without the other people's caret labels (a caret
 * is a widget inside the text, and its label is text too).
 */
function contentOf(page: Page): Promise<{ html: string; text: string; quote: string[] }> {
  return page.evaluate(() => {
    const editor = document.querySelector('.ProseMirror')?.cloneNode(true) as HTMLElement | undefined
    if (!editor) return { html: '', text: '', quote: [] }
    for (const caret of editor.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    const quote = editor.querySelector('blockquote')
    return {
      html: editor.innerHTML,
      text: editor.textContent ?? '',
      quote: quote ? Array.from(quote.querySelectorAll('p'), (p) => p.textContent ?? '') : [],
    }
  })
}

const editorHtml = async (page: Page) => (await contentOf(page)).html
const editorText = async (page: Page) => (await contentOf(page)).text

/** Waits until `read` returns `want` (deep equality); the bound only caps how long a failure takes. */
async function waitForValue<T>(read: () => Promise<T>, want: T, what: string, timeout = 15_000): Promise<void> {
  let got: T | undefined
  await waitFor(
    async () => {
      got = await read()
      return JSON.stringify(got) === JSON.stringify(want)
    },
    what,
    timeout,
  ).catch(() => {
    throw new Error(`${what}: wanted ${JSON.stringify(want)}, last seen ${JSON.stringify(got)}`)
  })
}

/** Waits until the paragraphs inside the editor's first quote read `lines`. */
function waitForQuote(page: Page, lines: string[]): Promise<void> {
  return waitForValue(async () => (await contentOf(page)).quote, lines, 'the quote')
}

function waitForEditorText(page: Page, text: string): Promise<void> {
  return waitForValue(() => editorText(page), text, 'the editor text')
}

/**
 * Presses `keys` until the editor stops changing (ProseMirror handles the key synchronously, so
 * the DOM after the press is the result). Returns how many presses changed something.
 */
async function pressUntilStill(page: Page, keys: string, limit = 60): Promise<number> {
  let changes = 0
  let before = await editorHtml(page)
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(keys)
    const after = await editorHtml(page)
    if (after === before) return changes
    changes++
    before = after
  }
  throw new Error(`${keys} still changed the editor after ${limit} presses`)
}

describe.skipIf(!availability.run)('undo in Chromium', () => {
  beforeAll(async () => {
    server = await startAppServer()
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  // Many key presses, slow on a busy machine: the 120 s bound only caps how long a failure takes.
  it('undo keeps the line a collaborator typed inside my quote; redo brings my words back', async () => {
    const docId = uniqueDocId('undo-quote')
    const ada = await openAs('Ada', docId)
    const grace = await openAs('Grace', docId)

    // Ada makes a quote (the "> " input rule) and writes in it.
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('> Quote from Ada')
    await waitForQuote(ada, ['Quote from Ada'])
    await waitForQuote(grace, ['Quote from Ada'])

    // Grace adds a line inside the quote.
    await grace.locator('.ProseMirror blockquote p').first().click()
    await grace.keyboard.press('End')
    await grace.keyboard.press('Enter')
    await grace.keyboard.type('Line from Grace')
    const bothLines = ['Quote from Ada', 'Line from Grace']
    await waitForQuote(grace, bothLines)
    await waitForQuote(ada, bothLines)

    // Ada undoes until nothing more changes: all of her own text goes, Grace's line stays.
    const undos = await pressUntilStill(ada, 'Control+z')
    expect(undos).toBeGreaterThan(1)
    expect(await editorText(ada)).toBe('Line from Grace')
    // The quote Grace wrote into is kept, with her line in it, on both screens.
    await waitForQuote(ada, ['Line from Grace'])
    await waitForQuote(grace, ['Line from Grace'])
    await waitForEditorText(grace, 'Line from Grace')

    // Ada clicks into Grace's line before redoing. The undo left Grace's quote at the end of the
    // document, so ProseMirror added a trailing paragraph after it, and this click writes that
    // paragraph to the Y.Doc; it must not count as a new change of Ada's, which would empty her
    // redo history (what any caret move of Grace's used to do, now and then, in this test).
    await ada.locator('.ProseMirror blockquote p').first().click()
    // Redo brings Ada's words back, and Grace's line is still there.
    // 'Z', as a keyboard sends it with Shift held ('Control+Shift+z' would send key "z", which
    // ProseMirror's keymap also tries as Mod-z once redo has nothing left).
    const redos = await pressUntilStill(ada, 'Control+Shift+Z')
    expect(redos).toBeGreaterThan(0)
    await waitForQuote(ada, bothLines)
    await waitForQuote(grace, bothLines)
  }, 120_000)

  it('one Ctrl+Z takes back a word, and a paragraph typed after a heading goes without the heading', async () => {
    const docId = uniqueDocId('undo-steps')
    const ada = await openAs('Ada', docId)
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('# Title')
    await ada.keyboard.press('Enter')
    await ada.keyboard.type('alpha beta')
    await waitForEditorText(ada, 'Titlealpha beta')
    await expect(ada.locator('.ProseMirror h1').textContent()).resolves.toBe('Title')

    await ada.keyboard.press('Control+z')
    await expect(ada.locator('.ProseMirror h1 + p').textContent()).resolves.toBe('alpha ')
    await ada.keyboard.press('Control+z')
    await expect(ada.locator('.ProseMirror h1 + p').textContent()).resolves.toBe('')
    await expect(ada.locator('.ProseMirror h1').textContent()).resolves.toBe('Title')
  })
})
