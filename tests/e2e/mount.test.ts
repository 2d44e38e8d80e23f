import fs from 'node:fs'
import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { build } from 'esbuild'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORMATTING_GROUPS } from '../../lib/editor/formatting'
import { type AppServer, freePort, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText, waitForPresence } from '../helpers/editor-page'
import { LIB_DIR, packTandemEditor, unpackTarball } from '../helpers/package'
import { serveStatic } from '../helpers/static-server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * mountTandem on a page that is not the Tandem app: the packed tandem-editor tarball, unpacked
 * into a host project, bundled with esbuild from `import { mountTandem } from 'tandem-editor'`
 * and `import 'tandem-editor/style.css'`, served by a plain static server on another port, and
 * connected (with a token minted like a host app would) to the real `npm start` process with
 * auth on and only the two origins allowed. A person in the Tandem app and one in the host page
 * see each other's text and presence.
 */
const availability = browserAvailability()
const root = path.resolve(__dirname, '../..')

const HOST_ENTRY = `
import { mountTandem } from 'tandem-editor'
import 'tandem-editor/style.css'

const params = new URLSearchParams(location.search)
window.tandem = mountTandem(document.getElementById('editor'), {
  serverUrl: params.get('server'),
  docId: params.get('doc'),
  user: { name: params.get('name'), color: '#0b7285' },
  token: params.get('token'),
  theme: { accent: '#e11d48' },
})
`

const HOST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host app</title><link rel="stylesheet" href="/main.css"></head>
<body><h1>Someone else's app</h1><div id="editor"></div><script type="module" src="/main.js"></script></body></html>`

let work: string
let server: AppServer
let host: http.Server
let hostUrl: string
let browser: Browser
const contexts: BrowserContext[] = []

async function bundleHostPage(): Promise<string> {
  const project = path.join(work, 'host')
  const modules = path.join(project, 'node_modules')
  fs.mkdirSync(modules, { recursive: true })
  const unpacked = unpackTarball(await packTandemEditor(work), path.join(work, 'tarball'))
  fs.renameSync(unpacked, path.join(modules, 'tandem-editor'))
  fs.writeFileSync(path.join(project, 'main.js'), HOST_ENTRY)
  const out = path.join(work, 'public')
  const result = await build({
    absWorkingDir: project,
    entryPoints: ['main.js'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    sourcemap: true,
    outdir: out,
    logLevel: 'silent',
    metafile: true,
    // The tarball's own dependencies (Tiptap, y-websocket, yjs …) as `npm install` would have
    // put them next to it; tandem-editor itself resolves only from the tarball.
    nodePaths: [path.join(root, 'node_modules')],
  })
  fs.writeFileSync(path.join(out, 'index.html'), HOST_PAGE)
  const inputs = Object.keys(result.metafile.inputs)
  if (
    !inputs.includes('node_modules/tandem-editor/dist/index.js') ||
    inputs.some((input) => path.resolve(project, input).startsWith(`${LIB_DIR}${path.sep}`))
  ) {
    throw new Error(`the host bundle must come from the tarball alone: ${inputs.filter((i) => i.includes('tandem')).join(', ')}`)
  }
  return out
}

async function newPage(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message))
  return page
}

describe.skipIf(!availability.run)('mountTandem in a page of another app (Chromium)', () => {
  beforeAll(async () => {
    work = makeTempDir('tandem-mount-')
    const [appPort, hostPort] = [await freePort(), await freePort()]
    hostUrl = `http://127.0.0.1:${hostPort}`
    const [publicDir] = await Promise.all([
      bundleHostPage(),
      (async () => {
        server = await startAppServer({
          port: appPort,
          env: { TANDEM_AUTH_SECRET: TEST_SECRET, TANDEM_ALLOWED_ORIGINS: `http://127.0.0.1:${appPort},${hostUrl}` },
        })
      })(),
    ])
    host = await serveStatic(publicDir, hostPort)
    expect((host.address() as AddressInfo).port).toBe(hostPort)
    browser = await launchChromium(availability.executablePath as string)
  }, 240_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    if (host) await new Promise((resolve) => host.close(resolve))
    await server?.stop()
    if (work) removeDir(work)
  })

  it('a person in the Tandem app and one in the mounted editor see each other’s text and presence', async () => {
    const docId = uniqueDocId('mount')
    const adaToken = await signToken({ sub: 'ada', name: 'Ada', docs: ['*'], role: 'editor' }, { expiresIn: 3600 })
    const graceToken = await signToken({ sub: 'grace', name: 'Grace', docs: [docId], role: 'editor' }, { expiresIn: 3600 })

    const app = await newPage('app')
    await app.goto(`${server.url}/d/${docId}?token=${adaToken}`)
    await app.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
    await app.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 15_000 })

    const mounted = await newPage('host')
    const query = new URLSearchParams({
      server: `${server.url.replace('http:', 'ws:')}/collab`,
      doc: docId,
      name: 'Grace',
      token: graceToken,
    })
    await mounted.goto(`${hostUrl}/?${query}`)
    try {
      // The whole editor: status, "Saved", people, toolbar, text, styled by the package's CSS.
      await mounted.locator('.tandem-mount [data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
      await mounted.locator('.tandem-editor[data-synced="true"] .ProseMirror[role="textbox"]').waitFor({ timeout: 15_000 })
      expect(await mounted.getByRole('toolbar', { name: 'Formatting' }).getByRole('button').count()).toBe(
        FORMATTING_GROUPS.flat().filter((action) => action.id !== 'link').length,
      ) // no Link: the DOM-only toolbar has no link prompt
      const look = await mounted.evaluate(() => {
        const root = document.querySelector('.tandem-mount') as HTMLElement
        const toolbar = document.querySelector('.tandem-toolbar') as HTMLElement
        return {
          accent: getComputedStyle(root).getPropertyValue('--tandem-accent').trim(),
          surface: getComputedStyle(root).getPropertyValue('--tandem-surface').trim(),
          toolbarDisplay: getComputedStyle(toolbar).display,
        }
      })
      expect(look).toEqual({ accent: '#e11d48', surface: expect.stringMatching(/^#/), toolbarDisplay: 'flex' })

      // Each sees the other; the names come from the tokens.
      await waitForPresence(app, (names) => names.includes('Ada') && names.includes('Grace'))
      await waitForPresence(mounted, (names) => names.includes('Ada') && names.includes('Grace'))
      expect(await mounted.locator('[data-testid="presence-user"][data-local="true"] .tandem-presence__name').textContent()).toBe('Grace')

      // Text both ways, formatting from the mounted toolbar, and "Saved" once the server has it.
      await app.locator('.ProseMirror').click()
      await app.keyboard.type('Hello from the app.')
      await waitForEditorText(mounted, 'Hello from the app.')
      await mounted.locator('.ProseMirror').click()
      await mounted.keyboard.press('End')
      await mounted.keyboard.press('Enter')
      await mounted.getByRole('button', { name: 'Bold' }).click()
      expect(await mounted.getByRole('button', { name: 'Bold' }).getAttribute('aria-pressed')).toBe('true')
      await mounted.keyboard.type('Hello from the host.')
      await waitForEditorText(app, 'Hello from the host.')
      expect(await app.locator('.ProseMirror strong').textContent()).toBe('Hello from the host.')
      await mounted.locator('[data-testid="save-state"][data-state="saved"]').filter({ hasText: 'Saved' }).waitFor({ timeout: 15_000 })

      // destroy() takes the editor off the page and its person out of the others' lists.
      await mounted.evaluate(() => (window as unknown as { tandem: { destroy(): void } }).tandem.destroy())
      expect(await mounted.locator('.tandem-mount').count()).toBe(0)
      await waitForPresence(app, (names) => !names.includes('Grace'))
    } catch (error) {
      await mounted.screenshot({ path: artifactPath('mount-host.png') }).catch(() => {})
      await app.screenshot({ path: artifactPath('mount-app.png') }).catch(() => {})
      throw error
    }
  })
})
