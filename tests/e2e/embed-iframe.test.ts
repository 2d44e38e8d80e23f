import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, freePort, startAppServer } from '../helpers/app-server'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForPresence } from '../helpers/editor-page'
import { editorToken, signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/**
 * `/embed/<docId>` in an iframe of another origin, driven through its postMessage API by the
 * example host page (examples/iframe/index.html), in real Chromium against the real `npm start`
 * process with auth on and TANDEM_EMBED_ORIGINS listing one host origin [H10].
 */
const availability = browserAvailability()
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const examplePage = fs.readFileSync(path.join(root, 'examples', 'iframe', 'index.html'))

/** Serves the example host page at every path (another port: another origin than the app). */
async function startHostServer(port: number): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(examplePage)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

let app: AppServer
let browser: Browser
let allowedHost: Awaited<ReturnType<typeof startHostServer>>
let otherHost: Awaited<ReturnType<typeof startHostServer>>
const contexts: BrowserContext[] = []

async function newPage(label: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error.message))
  return page
}

type Message = Record<string, unknown> & { type: string }

/** Every message the host page received from the frame, in order (its on-page log). */
async function received(host: Page): Promise<Message[]> {
  const lines = await host.locator('#log li').allTextContents()
  return lines.map((line) => JSON.parse(line) as Message)
}

async function waitForMessage(host: Page, what: string, predicate: (message: Message) => boolean, timeout = 20_000): Promise<Message> {
  let found: Message | undefined
  await waitFor(
    async () => {
      found = (await received(host)).find(predicate)
      return found !== undefined
    },
    what,
    timeout,
  )
  return found as Message
}

function hostUrl(origin: string, docId: string, token: string): string {
  return `${origin}/?tandem=${encodeURIComponent(app.url)}&doc=${encodeURIComponent(docId)}&token=${encodeURIComponent(token)}`
}

describe.skipIf(!availability.run)('the editor in an iframe of another origin, through postMessage', () => {
  beforeAll(async () => {
    allowedHost = await startHostServer(await freePort())
    otherHost = await startHostServer(await freePort())
    app = await startAppServer({ env: { TANDEM_AUTH_SECRET: TEST_SECRET, TANDEM_EMBED_ORIGINS: allowedHost.origin } })
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await app?.stop()
    await allowedHost?.close()
    await otherHost?.close()
  })

  it('[H10] reports ready, status, saved and presence; answers get-content; set-user renames the frame user for others', {
    timeout: 120_000,
  }, async () => {
    const docId = uniqueDocId('iframe')
    // The app user, in the Tandem app itself; the token names him.
    const tom = await newPage('tom')
    await tom.goto(`${app.url}/d/${docId}?token=${await editorToken('tom', [docId], 'Tom Tandem')}`)
    await tom.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
    await tom.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 20_000 })

    // The host page embeds the document; its token names nobody, so the host may name its user.
    const host = await newPage('host')
    await host.goto(hostUrl(allowedHost.origin, docId, await editorToken('hana', [docId])))
    const ready = await waitForMessage(host, 'tandem:ready', (m) => m.type === 'tandem:ready')
    expect(ready).toEqual({ type: 'tandem:ready', version: 1, docId })
    await waitForMessage(host, 'status connected', (m) => m.type === 'tandem:status' && m.status === 'connected')
    await waitForMessage(host, 'saved', (m) => m.type === 'tandem:saved' && m.saved === true)
    await waitForMessage(
      host,
      'presence with Tom',
      (m) => m.type === 'tandem:presence' && (m.people as Array<{ name: string }>).some((p) => p.name === 'Tom Tandem'),
    )
    // Only messages of the documented vocabulary arrived.
    const types = new Set((await received(host)).map((m) => m.type))
    for (const type of types) expect(['tandem:ready', 'tandem:status', 'tandem:saved', 'tandem:presence', 'tandem:change']).toContain(type)
    expect((await received(host))[0]?.type).toBe('tandem:ready')

    // Tom types in the app; the host hears of a change and reads it as Markdown from the frame.
    const before = (await received(host)).length
    await tom.locator('.ProseMirror').click()
    await tom.keyboard.type('Typed in the app by Tom.')
    await tom.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
    const frame = host.frameLocator('#tandem')
    await frame.locator('.ProseMirror', { hasText: 'Typed in the app by Tom.' }).waitFor({ timeout: 15_000 })
    await waitFor(async () => (await received(host)).slice(before).some((m) => m.type === 'tandem:change'), 'tandem:change', 20_000)
    await host.getByRole('button', { name: 'Get Markdown' }).click()
    const content = await waitForMessage(host, 'tandem:content', (m) => m.type === 'tandem:content')
    expect(content).toEqual({ type: 'tandem:content', requestId: '1', format: 'markdown', content: 'Typed in the app by Tom.' })
    await expect(host.locator('#content').textContent()).resolves.toBe('Typed in the app by Tom.')

    // focus: the caret goes into the frame's editor.
    await host.getByRole('button', { name: 'Focus editor' }).click()
    await waitFor(
      async () => frame.locator('.ProseMirror').evaluate((el) => document.activeElement === el && document.hasFocus()),
      'the editor in the frame focused',
      10_000,
    )

    // set-user: Tom sees the new name in "People here", and the host hears it back in presence.
    await host.locator('#name').fill('Hana Host')
    await host.getByRole('button', { name: 'Set name' }).click()
    await waitForPresence(tom, (names) => names.includes('Hana Host'), 20_000)
    await waitForMessage(
      host,
      'presence with Hana Host',
      (m) => m.type === 'tandem:presence' && (m.people as Array<{ name: string }>)[0]?.name === 'Hana Host',
    )
  })

  it('[H10] a host on an origin not listed gets no frame (CSP frame-ancestors) and no messages', { timeout: 60_000 }, async () => {
    const docId = uniqueDocId('iframe-blocked')
    const token = await editorToken('mallory', [docId])
    const response = await fetch(`${app.url}/embed/${docId}`)
    expect(response.headers.get('content-security-policy')).toBe(`frame-ancestors ${allowedHost.origin}`)
    // Other pages of the app are not framed by this rule (nor given the header).
    expect((await fetch(`${app.url}/`)).headers.get('content-security-policy')).toBeNull()
    // The page learns the list from the server alone: a client's own header is dropped.
    const forged = await fetch(`${app.url}/embed/${docId}`, { headers: { 'x-tandem-embed-origins': 'https://forged.example' } })
    const html = await forged.text()
    expect(html).toContain(allowedHost.origin)
    expect(html).not.toContain('forged.example')

    const host = await newPage('other-host')
    const embedAnswer = host.waitForResponse((r) => new URL(r.url()).pathname === `/embed/${docId}`, { timeout: 20_000 })
    const frameLoaded = host.waitForEvent('framenavigated', { predicate: (f) => f !== host.mainFrame(), timeout: 20_000 })
    await host.goto(hostUrl(otherHost.origin, docId, token))
    const answer = await embedAnswer
    expect(answer.status()).toBe(200)
    expect(await answer.headerValue('content-security-policy')).toBe(`frame-ancestors ${allowedHost.origin}`)
    // Chromium replaces the refused document by its error page: no editor was ever rendered.
    const blocked = await frameLoaded
    await waitFor(() => blocked.url().startsWith('chrome-error://'), 'the frame replaced by the error page', 20_000)
    for (const frame of host.frames()) expect(await frame.locator('[data-tandem-root]').count()).toBe(0)
    expect(await received(host)).toEqual([])
    await expect(host.locator('#version').textContent()).resolves.toBe('waiting for tandem:ready')
  })

  it('with auth on, a refused token is reported as tandem:error with its reason', { timeout: 60_000 }, async () => {
    const docId = uniqueDocId('iframe-denied')
    const expired = await signToken(
      { sub: 'eve', docs: [docId], role: 'editor' },
      { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresIn: -3600 },
    )
    const host = await newPage('denied-host')
    await host.goto(hostUrl(allowedHost.origin, docId, expired))
    const error = await waitForMessage(host, 'tandem:error', (m) => m.type === 'tandem:error')
    expect(error).toMatchObject({ type: 'tandem:error', reason: 'Expired', status: 401 })
    expect(typeof error.message).toBe('string')
    await waitForMessage(host, 'tandem:ready', (m) => m.type === 'tandem:ready')

    const wrongDoc = await editorToken('eve', ['some-other-doc'])
    const second = await newPage('wrong-doc-host')
    await second.goto(hostUrl(allowedHost.origin, docId, wrongDoc))
    const refused = await waitForMessage(second, 'tandem:error', (m) => m.type === 'tandem:error')
    expect(refused).toMatchObject({ reason: 'WrongDocument', status: 403 })
    await second.frameLocator('#tandem').locator('.embed--denied').waitFor({ timeout: 10_000 })
  })

  it('?theme= overrides the system colour scheme, page background included', { timeout: 60_000 }, async () => {
    const docId = uniqueDocId('iframe-theme')
    const token = await editorToken('theo', [docId])
    const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    for (const [system, theme, expected] of [
      ['light', 'dark', 'rgb(21, 23, 26)'],
      ['dark', 'light', 'rgb(246, 246, 243)'],
      ['dark', null, 'rgb(21, 23, 26)'],
    ] as const) {
      const context = await browser.newContext({ colorScheme: system })
      contexts.push(context)
      const page = await context.newPage()
      await page.goto(`${app.url}/embed/${docId}?token=${token}${theme ? `&theme=${theme}` : ''}`)
      await page.locator('[data-tandem-root]').first().waitFor({ timeout: 20_000 })
      expect(await background(page)).toBe(expected)
    }
  })
})
