import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText } from '../helpers/editor-page'
import { signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * Images in the app (server rules F1–F8, F4 and F8 above all), in real Chromium against the
 * real `npm start` process with auth on: A pastes, drops and picks images, sets alt text and
 * pastes HTML holding a data: picture; B, a viewer on a token of their own, sees every image
 * load, before and after a server restart.
 */
const availability = browserAvailability()
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'images')
const SHOTS = '/tmp/shots/images'
const FILE_URL = /^\/api\/docs\/[^/]+\/files\/[A-Za-z0-9_-]{32}$/

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function newPage(label: string, width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } })
  contexts.push(context)
  const page = await context.newPage()
  // Seven test runs share this machine: waits are generous (they end as soon as the condition holds).
  page.setDefaultTimeout(45_000)
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error.message))
  return page
}

async function live(page: Page) {
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 60_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 60_000 })
}

const base64 = (name: string) => fs.readFileSync(path.join(FIXTURES, name)).toString('base64')

/** A paste event carrying files (what copying an image in another app puts on the clipboard). */
async function pasteFile(page: Page, name: string, type: string, bytes: string) {
  await page.locator('.ProseMirror').evaluate(
    (editor, { name, type, bytes }) => {
      const data = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))
      const transfer = new DataTransfer()
      transfer.items.add(new File([data], name, { type }))
      editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }))
    },
    { name, type, bytes },
  )
}

async function pasteHtml(page: Page, html: string) {
  await page.locator('.ProseMirror').evaluate((editor, html) => {
    const transfer = new DataTransfer()
    transfer.setData('text/html', html)
    transfer.setData('text/plain', 'pasted')
    editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }))
  }, html)
}

/** Drops a file on the editor's last paragraph. */
async function dropFile(page: Page, name: string, type: string, bytes: string) {
  await page
    .locator('.ProseMirror > p')
    .last()
    .evaluate(
      (target, { name, type, bytes }) => {
        const data = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))
        const transfer = new DataTransfer()
        transfer.items.add(new File([data], name, { type }))
        const box = target.getBoundingClientRect()
        const at = { clientX: box.left + 5, clientY: box.top + box.height / 2 }
        target.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true, ...at }))
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true, ...at }))
      },
      { name, type, bytes },
    )
}

/** The document's images as every reader's DOM has them: stored address (token-free), loaded size, alt. */
const images = (page: Page) =>
  page.locator('.ProseMirror img').evaluateAll((list) =>
    (list as HTMLImageElement[]).map((img) => {
      const url = new URL(img.src)
      return { path: url.pathname, token: url.searchParams.has('token'), loaded: img.complete && img.naturalWidth > 0, alt: img.alt }
    }),
  )

async function waitForImages(page: Page, count: number, timeout = 45_000) {
  await page.waitForFunction(
    (count) => {
      const list = [...document.querySelectorAll<HTMLImageElement>('.ProseMirror img')]
      return list.length === count && list.every((img) => img.complete && img.naturalWidth > 0)
    },
    count,
    { timeout },
  )
}

describe.skipIf(!availability.run)('images in Chromium (auth on)', () => {
  beforeAll(async () => {
    server = await startAppServer({ env: { TANDEM_AUTH_SECRET: TEST_SECRET } })
    browser = await launchChromium(availability.executablePath as string)
  }, 900_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  it('[F8] A pastes, drops and picks images and describes one; pasted HTML is re-uploaded; B sees them all, also after a restart', async () => {
    const docId = uniqueDocId('images')
    const aliceToken = await signToken({ sub: 'alice', name: 'Alice', docs: [docId], role: 'editor' }, { expiresIn: 3600 })
    const bobToken = await signToken({ sub: 'bob', name: 'Bob', docs: [docId], role: 'viewer' }, { expiresIn: 3600 })

    const alice = await newPage('alice')
    await alice.goto(`${server.url}/d/${docId}?token=${aliceToken}`)
    await live(alice)
    await alice.locator('.ProseMirror').click()
    await alice.keyboard.type('Trip photos')
    await alice.keyboard.press('Enter')

    // 1. A pasted image file.
    await pasteFile(alice, 'pasted.png', 'image/png', base64('sample.png'))
    await waitForImages(alice, 1)
    // 2. A dropped one.
    await alice.keyboard.press('End')
    await dropFile(alice, 'dropped.jpg', 'image/jpeg', base64('sample.jpg'))
    await waitForImages(alice, 2)
    // 3. One picked with the toolbar's Image button.
    await alice.locator('.ProseMirror').press('Control+End')
    const [chooser] = await Promise.all([
      alice.waitForEvent('filechooser'),
      alice.getByRole('button', { name: 'Image', exact: true }).click(),
    ])
    await chooser.setFiles(path.join(FIXTURES, 'sample.webp'))
    await waitForImages(alice, 3)

    // A file that is no image: refused with a message; the text and images stay.
    await pasteFile(alice, 'notes.png', 'image/png', Buffer.from('<html><script>alert(1)</script></html>').toString('base64'))
    const refusal = alice.locator('.tandem-image-upload--error')
    await refusal.waitFor({ timeout: 45_000 })
    expect(await refusal.textContent()).toContain('only PNG, JPEG, GIF, WebP and AVIF images can be added')
    await refusal.getByRole('button', { name: 'Dismiss' }).click()
    await refusal.waitFor({ state: 'detached' })
    await waitForImages(alice, 3)

    // Alt text on the first image.
    await alice.locator('.ProseMirror img').first().click()
    await alice.getByRole('button', { name: 'Alt text' }).click()
    await alice.getByRole('textbox', { name: 'Alt text' }).fill('A blue gradient')
    await alice.keyboard.press('Enter')
    await alice.locator('.ProseMirror img[alt="A blue gradient"]').waitFor()

    // 4. HTML from another editor with a data: picture: uploaded, never kept as data:.
    await alice.locator('.ProseMirror').press('Control+End')
    await pasteHtml(alice, `<p>From another editor</p><img src="data:image/gif;base64,${base64('sample.gif')}" alt="A dot">`)
    await waitForImages(alice, 4)
    await waitForEditorText(alice, 'From another editor', 45_000)
    for (const image of await images(alice)) {
      expect(image.path).toMatch(FILE_URL)
      expect(image.token).toBe(true) // shown with Alice's token…
    }
    await alice.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 45_000 })

    // …but stored without one, and exported with the alt text.
    const stored = await fetch(`${server.url}/api/docs/${docId}/content`, { headers: { authorization: `Bearer ${aliceToken}` } })
    const json = JSON.stringify(await stored.json())
    expect(json).not.toContain('token')
    expect(json).not.toContain('data:')
    const srcs = [...json.matchAll(/"src":"([^"]+)"/g)].map((match) => match[1])
    expect(srcs).toHaveLength(4)
    for (const src of srcs) expect(src).toMatch(FILE_URL)
    const markdown = await (
      await fetch(`${server.url}/api/docs/${docId}/content?format=markdown`, { headers: { authorization: `Bearer ${aliceToken}` } })
    ).text()
    expect(markdown).toContain(`![A blue gradient](${srcs[0]})`)
    expect(markdown).toContain(`![A dot](${srcs[3]})`)

    // B, a viewer with a token of their own, sees every image load, and the alt text.
    const bob = await newPage('bob')
    await bob.goto(`${server.url}/d/${docId}?token=${bobToken}`)
    await bob.locator('.ProseMirror').waitFor({ timeout: 45_000 })
    await waitForImages(bob, 4)
    const seen = await images(bob)
    expect(seen.map((image) => image.path)).toEqual(srcs)
    expect(seen.map((image) => image.alt)).toEqual(['A blue gradient', '', '', 'A dot'])
    // A viewer gets no way to add images: no toolbar, and a selected image offers no alt text.
    expect(await bob.getByRole('button', { name: 'Image', exact: true }).count()).toBe(0)
    await bob.locator('.ProseMirror img').first().click()
    expect(await bob.locator('.tandem-image__alt-button').count()).toBe(0)

    fs.mkdirSync(SHOTS, { recursive: true })
    await alice.locator('.ProseMirror img').first().click()
    await alice.screenshot({ path: path.join(SHOTS, 'document-1280.png'), fullPage: true })
    const narrow = await newPage('narrow', 390)
    await narrow.goto(`${server.url}/d/${docId}?token=${bobToken}`)
    await narrow.locator('.ProseMirror').waitFor({ timeout: 45_000 })
    await waitForImages(narrow, 4)
    await narrow.screenshot({ path: path.join(SHOTS, 'document-390.png'), fullPage: true })

    // After a restart of the server the images still load.
    const { port, dataDir } = server
    await server.stop({ keepData: true })
    server = await startAppServer({ port, dataDir, env: { TANDEM_AUTH_SECRET: TEST_SECRET } })
    const again = await newPage('bob again')
    await again.goto(`${server.url}/d/${docId}?token=${bobToken}`)
    await again.locator('.ProseMirror').waitFor({ timeout: 45_000 })
    await waitForImages(again, 4)
    expect((await images(again)).map((image) => image.path)).toEqual(srcs)
  }, 300_000)
})
