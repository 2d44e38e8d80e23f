import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { waitForEditorText, waitForPresence } from '../helpers/editor-page'
import { signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * The app with auth on (TANDEM_AUTH_SECRET set), in real Chromium against the real
 * `npm start` process: tokens from links, share links by role, view-only pages, refusals.
 */
const availability = browserAvailability()

let server: AppServer
let browser: Browser
const contexts: BrowserContext[] = []

async function newPage(label: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error.message))
  return page
}

async function live(page: Page) {
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor()
}

/** The document's text, without the name labels of other people's carets. */
const editorText = (page: Page) =>
  page.locator('.ProseMirror').evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    return copy.textContent ?? ''
  })

async function tokenGoneFromAddress(page: Page) {
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('token'), undefined, { timeout: 15_000 })
}

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText())

describe.skipIf(!availability.run)('access control in Chromium (auth on)', () => {
  beforeAll(async () => {
    server = await startAppServer({ env: { TANDEM_AUTH_SECRET: TEST_SECRET } })
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await server?.stop()
  })

  it('owner shares a view-only and an edit link; the viewer reads but cannot type; the editor writes; refusals are explained', async () => {
    const started = Date.now()
    const ownerToken = await signToken({ sub: 'olive', name: 'Olive Owner', docs: ['*'], role: 'editor' }, { expiresIn: 3600 })

    // The owner opens the app with the operator's link: the token leaves the address bar.
    const owner = await newPage('owner')
    const ownerSockets: string[] = []
    owner.on('websocket', (ws) => ownerSockets.push(ws.url()))
    await owner.goto(`${server.url}/?token=${ownerToken}`)
    await owner.getByTestId('account').filter({ hasText: 'Olive Owner' }).waitFor({ timeout: 10_000 })
    await tokenGoneFromAddress(owner)
    await owner.getByTestId('new-doc-title').fill('Launch plan')
    await owner.getByTestId('create-doc').click()
    await owner.waitForURL(/\/d\/[^/?]+$/, { timeout: 10_000 })
    const docId = decodeURIComponent(new URL(owner.url()).pathname.split('/').pop() ?? '')
    await live(owner) // no name prompt: the token names her
    expect(await owner.getByRole('dialog').count()).toBe(0)
    await owner.locator('.ProseMirror').click()
    await owner.keyboard.type('Hello from the owner.')
    await owner.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
    // The socket carries the exchanged one-document session token, not the owner's '*' token.
    const socketToken = new URL(ownerSockets.at(-1) ?? 'ws://x/').searchParams.get('token')
    expect(socketToken).toBeTruthy()
    expect(socketToken).not.toBe(ownerToken)

    // Share menu: a view-only link and an edit link, copied as absolute URLs.
    await owner.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
    await owner.getByTestId('share').click()
    await owner.getByTestId('share-menu').waitFor()
    await owner.getByTestId('copy-view-link').click()
    await owner.getByTestId('share-status').filter({ hasText: 'View-only link copied' }).waitFor({ timeout: 15_000 })
    await owner.getByTestId('share').filter({ hasText: 'Link copied' }).waitFor()
    const viewUrl = await clipboard(owner)
    expect(viewUrl.startsWith(`${server.url}/d/${docId}?token=`)).toBe(true)
    await owner.screenshot({ path: artifactPath('share-menu.png') })
    await owner.getByTestId('copy-edit-link').click()
    await owner.waitForFunction(
      (previous) => navigator.clipboard.readText().then((text) => text !== previous && text.includes('token=')),
      viewUrl,
      { timeout: 15_000 },
    )
    const editUrl = await clipboard(owner)
    expect(editUrl.startsWith(`${server.url}/d/${docId}?token=`)).toBe(true)
    await owner.keyboard.press('Escape')
    await owner.getByTestId('share-menu').waitFor({ state: 'detached' })
    await owner.locator('.ProseMirror').click() // her caret, for the others to see
    await owner.keyboard.press('End')

    // B opens the view-only link: asked for a name, sees the text and the owner, cannot type.
    const viewer = await newPage('viewer')
    await viewer.goto(viewUrl)
    const nameDialog = viewer.getByRole('dialog')
    await nameDialog.waitFor({ timeout: 10_000 })
    await tokenGoneFromAddress(viewer)
    await nameDialog.getByRole('textbox').fill('Vera')
    await nameDialog.getByRole('button', { name: 'Continue' }).click()
    await live(viewer)
    await waitForEditorText(viewer, 'Hello from the owner.')
    await viewer.getByTestId('view-only-badge').waitFor()
    await waitForPresence(viewer, (n) => n.includes('Olive Owner') && n.includes('Vera'))
    await waitForPresence(owner, (n) => n.includes('Vera'))
    await viewer.locator('.collaboration-carets__label', { hasText: 'Olive Owner' }).waitFor({ state: 'visible', timeout: 15_000 })
    await expect(viewer.locator('.ProseMirror').getAttribute('contenteditable')).resolves.toBe('false')
    expect(await viewer.locator('.tandem-toolbar').count()).toBe(0)
    expect(await viewer.getByTestId('share').count()).toBe(0)
    await expect(viewer.getByTestId('doc-title').getAttribute('readonly')).resolves.not.toBeNull()

    const before = await editorText(owner)
    await viewer.locator('.ProseMirror').click()
    await viewer.keyboard.type('XYZ')
    await viewer.keyboard.press('Enter')
    await viewer.keyboard.press('Backspace')
    await viewer.keyboard.press('Control+b')
    await viewer.keyboard.type('bold?')
    await viewer.getByTestId('doc-title').click()
    await viewer.keyboard.type('Hijacked')
    // Keystrokes are handled as they are dispatched: a read-only editor has already refused them.
    expect(await editorText(viewer)).toBe(before)
    // And the connection still carries the owner's edits to the viewer, and nothing else.
    await owner.locator('.ProseMirror').click()
    await owner.keyboard.press('Control+End')
    await owner.keyboard.type(' Still here.')
    await waitForEditorText(viewer, 'Still here.')
    expect(await editorText(viewer)).toBe(`${before} Still here.`)
    expect(await editorText(owner)).toBe(`${before} Still here.`)
    await expect(owner.getByTestId('doc-title').inputValue()).resolves.toBe('Launch plan')
    await expect(viewer.getByTestId('doc-title').inputValue()).resolves.toBe('Launch plan')
    const stored = await fetch(`${server.url}/api/docs/${docId}?format=text`, { headers: { authorization: `Bearer ${ownerToken}` } })
    expect((await stored.text()).trim()).toBe(`${before} Still here.`.trim())
    await viewer.screenshot({ path: artifactPath('view-only.png') })

    // The name others see comes from the session token: a rename trades it for a new one.
    await viewer.getByRole('button', { name: 'you · edit' }).click()
    const renameDialog = viewer.getByRole('dialog')
    await renameDialog.getByRole('textbox').fill('Vera V.')
    await renameDialog.getByRole('button', { name: 'Save' }).click()
    await waitForPresence(owner, (n) => n.includes('Vera V.') && !n.includes('Vera'))
    await viewer.locator('[data-testid="connection-status"][data-status="connected"]').waitFor()

    // C opens the edit link with ?name=Cleo: writes, and everyone sees it.
    const cleo = await newPage('cleo')
    await cleo.goto(`${editUrl}&name=Cleo`)
    await live(cleo)
    await tokenGoneFromAddress(cleo)
    expect(new URL(cleo.url()).searchParams.get('name')).toBe('Cleo')
    await waitForEditorText(cleo, 'Hello from the owner.')
    await cleo.locator('.ProseMirror').click()
    await cleo.keyboard.press('Control+End')
    await cleo.keyboard.type(' Cleo was here.')
    await waitForEditorText(cleo, 'Cleo was here.')
    await waitForEditorText(owner, 'Cleo was here.')
    await waitForEditorText(viewer, 'Cleo was here.')
    await waitForPresence(owner, (n) => n.includes('Cleo') && n.includes('Vera V.'))
    await waitForPresence(viewer, (n) => n.includes('Cleo'))
    await cleo.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

    // No token at all: an invitation message, no editor, no endless "Connecting…".
    const stranger = await newPage('stranger')
    await stranger.goto(`${server.url}/d/${docId}`)
    const denied = stranger.locator('[data-testid="access-denied"][data-reason="MissingToken"]')
    await denied.waitFor({ timeout: 10_000 })
    await expect(denied.textContent()).resolves.toContain('You need an invitation link to open this document')
    expect(await stranger.locator('.ProseMirror').count()).toBe(0)
    expect(await stranger.getByTestId('connection-status').count()).toBe(0)
    await stranger.screenshot({ path: artifactPath('access-denied.png') })
    await stranger.goto(`${server.url}/`)
    await stranger
      .locator('[data-testid="access-denied"][data-reason="MissingToken"]', { hasText: 'How to get access' })
      .waitFor({ timeout: 10_000 })
    await stranger.screenshot({ path: artifactPath('access-denied-home.png') })

    // A link for another document, and an expired link, say so.
    const otherDocToken = await signToken({ sub: 'x', docs: ['some-other-doc'], role: 'editor' })
    await stranger.goto(`${server.url}/d/${docId}?token=${otherDocToken}`)
    await stranger
      .locator('[data-testid="access-denied"][data-reason="WrongDocument"]', { hasText: 'This link doesn’t give access to this document' })
      .waitFor({ timeout: 10_000 })
    const expired = await signToken(
      { sub: 'x', docs: ['*'], role: 'editor' },
      { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresIn: -3600 },
    )
    await stranger.goto(`${server.url}/d/${docId}?token=${expired}`)
    await stranger
      .locator('[data-testid="access-denied"][data-reason="Expired"]', { hasText: 'This link has expired' })
      .waitFor({ timeout: 10_000 })

    // The embed view honours the link too: read-only, no toolbar, the token cleaned from its URL.
    const embed = await viewer.context().newPage()
    await embed.goto(`${viewUrl.replace('/d/', '/embed/')}&name=Vera`)
    await embed.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 10_000 })
    await waitForEditorText(embed, 'Cleo was here.')
    await embed.getByTestId('view-only-badge').waitFor()
    await expect(embed.locator('.ProseMirror').getAttribute('contenteditable')).resolves.toBe('false')
    expect(await embed.locator('.tandem-toolbar').count()).toBe(0)
    await tokenGoneFromAddress(embed)
    await embed.close()

    // The viewer's documents list: only the shared document, nothing to create, rename or delete.
    const viewerHome = await viewer.context().newPage()
    await viewerHome.goto(`${server.url}/`)
    await viewerHome.locator(`[data-testid="doc-row"][data-doc-id="${docId}"]`).waitFor({ timeout: 10_000 })
    expect(await viewerHome.getByTestId('doc-row').count()).toBe(1)
    expect(await viewerHome.getByTestId('new-doc-title').count()).toBe(0)
    expect(await viewerHome.getByRole('button', { name: /^Rename/ }).count()).toBe(0)
    await viewerHome.getByTestId('account').filter({ hasText: 'View only' }).waitFor()
    await viewerHome.screenshot({ path: artifactPath('documents-list-viewer.png') })
    await viewerHome.close()

    // Revoking the document closes every open editor (4403): each page says why.
    const revoked = await fetch(`${server.url}/api/admin/revocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ document: docId }),
    })
    expect(revoked.status).toBe(200)
    for (const page of [owner, viewer, cleo]) {
      await page
        .locator('[data-testid="access-denied"][data-reason="Revoked"]', { hasText: 'Your access was revoked' })
        .waitFor({ timeout: 15_000 })
    }
    console.log(`[e2e] access scenario took ${((Date.now() - started) / 1000).toFixed(1)} s of browser time`)
  }, 120_000)
})
