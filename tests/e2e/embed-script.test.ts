import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORMATTING_GROUPS } from '../../lib/editor/formatting'
import { type AppServer, freePort, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText, waitForPresence } from '../helpers/editor-page'
import { signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/**
 * The script tag [H11]: examples/vanilla/index.html, served by a plain static server on another
 * port, loads `/embed.js` from the real `npm start` process (auth on, only the two origins
 * allowed). The element with `data-tandem-doc` mounts itself with its `data-tandem-token`, the
 * server URL comes from the script's own URL, and a person in the Tandem app and the people on
 * that page see each other's text, carets and presence.
 */
const availability = browserAvailability()
const EXAMPLE = path.resolve(__dirname, '../../examples/vanilla/index.html')

let server: AppServer
let host: http.Server
let hostUrl: string
let browser: Browser
const contexts: BrowserContext[] = []
/** What the host page serves for each document id: the example's text with that id and token. */
const pages = new Map<string, string>()

/**
 * The example as its author would deploy it: the script's src pointed at this Tandem server, the
 * document id and the token (which a real host's backend would put in) written into the markup.
 */
function hostPage(docId: string, token: string): string {
  const original = fs.readFileSync(EXAMPLE, 'utf8')
  const page = original
    .replace('src="http://localhost:3000/embed.js"', `src="${server.url}/embed.js"`)
    .replace('data-tandem-doc="team-notes"', `data-tandem-doc="${docId}" data-tandem-token="${token}"`)
  if (page === original || !page.includes(`${server.url}/embed.js`) || !page.includes(token)) {
    throw new Error('examples/vanilla/index.html no longer has the script tag and the data-tandem-doc element this test expects')
  }
  return page
}

/** A static server with no Tandem code: `/<docId>` answers that document's page. */
function serveHostPages(port: number): Promise<http.Server> {
  const httpServer = http.createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://host').pathname.slice(1))
    if (!page) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
  })
  return new Promise((resolve) => httpServer.listen(port, '127.0.0.1', () => resolve(httpServer)))
}

async function newPage(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message))
  return page
}

/** Sockets the server turned away because the token names other documents. */
async function wrongDocumentRefusals(): Promise<number> {
  const metrics = await (await fetch(`${server.url}/metrics`)).text()
  const line = metrics.split('\n').find((l) => l.startsWith('tandem_connections_rejected_total{') && l.includes('reason="WrongDocument"'))
  return line ? Number(line.split(' ').pop()) : 0
}

async function openInApp(docId: string, token: string): Promise<Page> {
  const app = await newPage('app')
  await app.goto(`${server.url}/d/${docId}?token=${token}`)
  await app.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
  await app.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 15_000 })
  return app
}

describe.skipIf(!availability.run)('the editor from a script tag (/embed.js, Chromium)', () => {
  beforeAll(async () => {
    const [appPort, hostPort] = [await freePort(), await freePort()]
    hostUrl = `http://127.0.0.1:${hostPort}`
    server = await startAppServer({
      port: appPort,
      env: { TANDEM_AUTH_SECRET: TEST_SECRET, TANDEM_ALLOWED_ORIGINS: `http://127.0.0.1:${appPort},${hostUrl}` },
    })
    host = await serveHostPages(hostPort)
    browser = await launchChromium(availability.executablePath as string)
  }, 240_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    if (host) await new Promise((resolve) => host.close(resolve))
    await server?.stop()
  })

  it('[H11] /embed.js and /embed.css: any origin, short cache with ETag revalidation, compressed, GET and HEAD only', async () => {
    const script = await fetch(`${server.url}/embed.js`, { headers: { origin: hostUrl } })
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('access-control-allow-origin')).toBe('*')
    expect(script.headers.get('cache-control')).toBe('public, max-age=300')
    const etag = script.headers.get('etag') ?? ''
    expect(etag).toMatch(/^"[\w-]{22}"$/)
    const code = await script.text()
    // Self-contained: no import of anything else, the stylesheet found next to itself.
    expect(code).not.toMatch(/\bimport\s*[^(\s]?[^;]*?\bfrom\s*["']/)
    expect(code).toContain('import.meta.url')
    expect(code).toContain('embed.css')

    const again = await fetch(`${server.url}/embed.js`, { headers: { 'if-none-match': etag } })
    expect([again.status, again.headers.get('etag'), again.headers.get('access-control-allow-origin'), await again.text()]).toEqual([
      304,
      etag,
      '*',
      '',
    ])

    // Compressed for clients that say so (node:http sees the bytes as sent).
    const raw = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      http
        .get(`${server.url}/embed.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }))
        })
        .on('error', reject)
    })
    expect(raw.encoding).toBe('gzip')
    expect(gunzipSync(raw.body).toString()).toBe(code)
    console.log(`[e2e] /embed.js: ${code.length} bytes, ${raw.body.length} gzip`)

    const styles = await fetch(`${server.url}/embed.css`)
    expect([styles.status, styles.headers.get('content-type'), styles.headers.get('access-control-allow-origin')]).toEqual([
      200,
      'text/css; charset=utf-8',
      '*',
    ])
    expect(await styles.text()).toContain('.tandem-toolbar')

    const head = await fetch(`${server.url}/embed.js`, { method: 'HEAD' })
    expect([head.status, head.headers.get('etag')]).toEqual([200, etag])
    const post = await fetch(`${server.url}/embed.js`, { method: 'POST', body: 'x' })
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
  })

  it('[H11] the example page mounts by its data attributes and by hand; the app and the page see each other', async () => {
    const docId = uniqueDocId('script')
    const linusToken = await signToken({ sub: 'linus', name: 'Linus', docs: [docId], role: 'editor' }, { expiresIn: 3600 })
    const adaToken = await signToken({ sub: 'ada', name: 'Ada', docs: [docId], role: 'editor' }, { expiresIn: 3600 })
    pages.set(docId, hostPage(docId, adaToken))

    const app = await openInApp(docId, linusToken)
    const embedded = await newPage('host')
    await embedded.goto(`${hostUrl}/${docId}`)
    try {
      // The element mounted itself: status, "Saved", people, toolbar, text, styled by /embed.css.
      const notes = embedded.locator('#notes')
      await notes.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
      await notes.locator('.tandem-editor[data-synced="true"] .ProseMirror[role="textbox"]').waitFor({ timeout: 15_000 })
      expect(await notes.getByRole('toolbar', { name: 'Formatting' }).getByRole('button').count()).toBe(
        FORMATTING_GROUPS.flat().filter((action) => action.id !== 'link').length,
      ) // no Link: the DOM-only toolbar has no link prompt
      await notes.locator('[data-testid="presence-user"] .tandem-avatar').first().waitFor({ timeout: 15_000 })
      const look = await embedded.evaluate(() => ({
        stylesheets: [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')].map((link) => link.href),
        toolbarDisplay: getComputedStyle(document.querySelector('#notes .tandem-toolbar') as HTMLElement).display,
        avatarRadius: getComputedStyle(document.querySelector('#notes .tandem-avatar') as HTMLElement).borderRadius,
      }))
      expect(look.stylesheets).toEqual([`${server.url}/embed.css`])
      expect(look.toolbarDisplay).toBe('flex')
      expect(look.avatarRadius).not.toBe('0px')

      // The second editor, mounted by the page's own code with window.Tandem.mount: no toolbar.
      const byHand = embedded.locator('#by-hand')
      await byHand.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
      expect(await byHand.locator('.tandem-toolbar').count()).toBe(0)
      await embedded.locator('#by-hand-state', { hasText: 'Mounted by hand' }).waitFor({ timeout: 5_000 })

      // Presence both ways; with auth on the names come from the tokens.
      await waitForPresence(app, (names) => names.includes('Linus') && names.includes('Ada'))
      await waitForPresence(embedded, (names) => names.includes('Linus') && names.includes('Ada'))
      expect(await notes.locator('[data-testid="presence-user"][data-local="true"] .tandem-presence__name').textContent()).toBe('Ada')

      // Text both ways, and each sees the other's caret.
      await app.locator('.ProseMirror').click()
      await app.keyboard.type('Hello from the app.')
      await waitForEditorText(embedded, 'Hello from the app.')
      await embedded.locator('#by-hand .collaboration-carets__label', { hasText: 'Linus' }).waitFor({ state: 'visible', timeout: 15_000 })
      await notes.locator('.ProseMirror').click()
      await embedded.keyboard.press('End')
      await embedded.keyboard.press('Enter')
      await notes.getByRole('button', { name: 'Bold' }).click()
      await embedded.keyboard.type('Hello from the script tag.')
      await waitForEditorText(app, 'Hello from the script tag.')
      expect(await app.locator('.ProseMirror strong').textContent()).toBe('Hello from the script tag.')
      await app.locator('.collaboration-carets__label', { hasText: 'Ada' }).first().waitFor({ state: 'visible', timeout: 15_000 })
      // The page's second editor has its own connection: the text reaches it through the server.
      await byHand.locator('.ProseMirror', { hasText: 'Hello from the script tag.' }).waitFor({ timeout: 15_000 })
      await notes.locator('[data-testid="save-state"][data-state="saved"]').filter({ hasText: 'Saved' }).waitFor({ timeout: 15_000 })
    } catch (error) {
      await embedded.screenshot({ path: artifactPath('embed-script-host.png') }).catch(() => {})
      await app.screenshot({ path: artifactPath('embed-script-app.png') }).catch(() => {})
      throw error
    }
  })

  it('[H11] window.Tandem.mount by hand: its token decides, get() finds it, destroy() takes it away; a second copy mounts nothing twice', async () => {
    const docId = uniqueDocId('script-hand')
    const graceToken = await signToken({ sub: 'grace', name: 'Grace', docs: [docId], role: 'editor' }, { expiresIn: 3600 })
    const otherToken = await signToken({ sub: 'eve', name: 'Eve', docs: ['another-document'], role: 'editor' }, { expiresIn: 3600 })
    const linusToken = await signToken({ sub: 'linus', name: 'Linus', docs: [docId], role: 'editor' }, { expiresIn: 3600 })
    pages.set(docId, hostPage(docId, graceToken))

    const app = await openInApp(docId, linusToken)
    const embedded = await newPage('host')
    await embedded.goto(`${hostUrl}/${docId}`)
    await embedded.locator('#notes [data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })

    type Tandem = {
      mount(element: HTMLElement, options: object): { destroy(): void; connection: { closedReason: { value: { code: number } | null } } }
      get(element: HTMLElement): unknown
    }
    const refusedBefore = await wrongDocumentRefusals()
    const mountedBoth = await embedded.evaluate(
      ({ docId, graceToken, otherToken }) => {
        const tandem = (window as unknown as { Tandem: Tandem }).Tandem
        const make = (id: string) => document.body.appendChild(Object.assign(document.createElement('div'), { id }))
        const good = tandem.mount(make('good'), { docId, token: graceToken, user: { name: 'Ignored', color: '#be185d' } })
        const refused = tandem.mount(make('refused'), { docId, token: otherToken })
        ;(window as unknown as { handles: unknown }).handles = { good, refused }
        return tandem.get(document.getElementById('good') as HTMLElement) === good
      },
      { docId, graceToken, otherToken },
    )
    expect(mountedBoth).toBe(true)
    await embedded.locator('#good [data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
    // Grace once: the page's two editors and this one carry her token, so they are one person
    // (presence groups by the token's user id); never the name passed to mount (the token's
    // wins) nor the refused token's person.
    const grace = (names: string[]) => names.filter((name) => name === 'Grace').length
    const seen = await waitForPresence(app, (names) => grace(names) === 1)
    expect(seen.filter((name) => name === 'Ignored' || name === 'Eve')).toEqual([])
    // A token for another document: the server refuses the socket (counted by reason), and the
    // editor never connects.
    await waitFor(async () => (await wrongDocumentRefusals()) > refusedBefore, 'the refused token counted by the server', 15_000)
    expect(await embedded.locator('#refused [data-testid="connection-status"]').getAttribute('data-status')).not.toBe('connected')

    const afterDestroy = await embedded.evaluate(() => {
      const { handles, Tandem } = window as unknown as { handles: { good: { destroy(): void } }; Tandem: Tandem }
      handles.good.destroy()
      const element = document.getElementById('good') as HTMLElement
      return { found: Tandem.get(element) ?? null, markup: element.childElementCount }
    })
    expect(afterDestroy).toEqual({ found: null, markup: 0 })
    // Grace's other editors are still here: still one person.
    await waitForPresence(app, (names) => grace(names) === 1)

    // A second copy of the module (another URL of it) mounts nothing twice.
    // (A string, so the test runner leaves the page's own dynamic import alone.)
    const copy = JSON.stringify(`${server.url}/embed.js?copy=2`)
    const editorsInNotes = await embedded.evaluate(`import(${copy}).then(() => document.querySelectorAll('#notes > .tandem-mount').length)`)
    expect(editorsInNotes).toBe(1)
  })
})
