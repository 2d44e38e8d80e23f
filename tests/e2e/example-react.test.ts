import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import type http from 'node:http'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORMATTING_GROUPS } from '../../lib/editor/formatting'
import { type AppServer, freePort, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText, waitForPresence } from '../helpers/editor-page'
import { LIB_DIR, packTandemEditor } from '../helpers/package'
import { closeServer, serveStatic } from '../helpers/static-server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'

/**
 * examples/react as its README runs it: copied to a temp directory, its `tandem-editor`
 * dependency pointed at a fresh `npm pack` of lib/, `npm install`ed (Vite, React, Yjs and the
 * tarball, nothing from lib/'s sources), `npm run build` (vite build), and the built files served
 * by a plain static server on another port. Someone in that React app and someone in the Tandem
 * app (`npm start`) see each other's text and presence.
 */
const availability = browserAvailability()
const EXAMPLE_DIR = path.resolve(__dirname, '../../examples/react')
const NOT_COPIED = new Set(['node_modules', 'dist', 'package-lock.json'])

let work: string
let project: string
let server: AppServer
let host: http.Server | undefined
let hostUrl: string
let browser: Browser
const contexts: BrowserContext[] = []

/** The example as a user would set it up, against the packed tarball; returns its dist/. */
async function buildExample(): Promise<string> {
  project = path.join(work, 'react-example')
  fs.cpSync(EXAMPLE_DIR, project, { recursive: true, filter: (source) => !NOT_COPIED.has(path.basename(source)) })
  const tarball = await packTandemEditor(work)
  const manifestFile = path.join(project, 'package.json')
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { dependencies: Record<string, string> }
  expect(manifest.dependencies['tandem-editor']).toBe('file:../../lib/tandem-editor-0.1.0.tgz')
  manifest.dependencies['tandem-editor'] = `file:${tarball}`
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2))
  const run = (args: string[]) => execFileSync('npm', args, { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  run(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'])
  run(['run', 'build'])
  return path.join(project, 'dist')
}

/** Every tandem-editor file in the bundle's source map, as paths on disk. */
function tandemSourcesOfBundle(dist: string): string[] {
  const assets = path.join(dist, 'assets')
  const maps = fs.readdirSync(assets).filter((name) => name.endsWith('.js.map'))
  expect(maps.length).toBeGreaterThan(0)
  return maps.flatMap((name) => {
    const map = JSON.parse(fs.readFileSync(path.join(assets, name), 'utf8')) as { sources: string[] }
    return map.sources
      .map((source) => path.resolve(assets, source))
      .filter((file) => file.includes('tandem-editor') || file.startsWith(LIB_DIR))
  })
}

async function newPage(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message))
  return page
}

describe.skipIf(!availability.run)('examples/react built from the packed tandem-editor (Chromium)', () => {
  let dist: string

  beforeAll(async () => {
    work = makeTempDir('tandem-react-example-')
    const [appPort, hostPort] = [await freePort(), await freePort()]
    hostUrl = `http://127.0.0.1:${hostPort}`
    ;[dist] = await Promise.all([
      buildExample(),
      (async () => {
        server = await startAppServer({ port: appPort, env: { TANDEM_ALLOWED_ORIGINS: `http://127.0.0.1:${appPort},${hostUrl}` } })
      })(),
    ])
    host = await serveStatic(dist, hostPort)
    browser = await launchChromium(availability.executablePath as string)
  }, 300_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await closeServer(host)
    await server?.stop()
    if (work) removeDir(work)
  })

  it('installs tandem-editor from the tarball and bundles its built files, not lib/ sources', () => {
    const installed = path.join(project, 'node_modules', 'tandem-editor')
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false)
    expect(fs.readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'package.json'])
    const sources = tandemSourcesOfBundle(dist)
    expect(sources).toContain(path.join(installed, 'dist', 'react.js'))
    for (const source of sources) expect(source.startsWith(path.join(installed, 'dist') + path.sep), source).toBe(true)
  })

  it('a person in the React example and one in the Tandem app see each other’s text and presence', async () => {
    const docId = uniqueDocId('react-example')
    const app = await newPage('app')
    await app.goto(`${server.url}/d/${docId}?name=Ada`)
    await app.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 20_000 })
    await app.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 15_000 })

    const example = await newPage('react-example')
    const query = new URLSearchParams({ server: `${server.url.replace('http:', 'ws:')}/collab`, doc: docId, name: 'Grace' })
    await example.goto(`${hostUrl}/?${query}`)
    try {
      await example.getByRole('heading', { name: docId }).waitFor({ timeout: 15_000 })
      await example.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
      await example.locator('.tandem-editor[data-synced="true"] .ProseMirror[role="textbox"]').waitFor({ timeout: 15_000 })
      expect(await example.getByRole('toolbar', { name: 'Formatting' }).getByRole('button').count()).toBe(FORMATTING_GROUPS.flat().length)
      // The package's stylesheet, themed by the example's own CSS.
      const accent = await example.evaluate(() =>
        getComputedStyle(document.querySelector('.notes') as HTMLElement).getPropertyValue('--tandem-accent'),
      )
      expect(accent.trim()).toBe('#0b7285')

      await waitForPresence(app, (names) => names.includes('Ada') && names.includes('Grace'))
      await waitForPresence(example, (names) => names.includes('Ada') && names.includes('Grace'))
      expect(await example.locator('[data-testid="presence-user"][data-local="true"] .tandem-presence__name').textContent()).toBe('Grace')

      await app.locator('.ProseMirror').click()
      await app.keyboard.type('Hello from the app.')
      await waitForEditorText(example, 'Hello from the app.')
      await example.locator('.ProseMirror').click()
      await example.keyboard.press('End')
      await example.keyboard.press('Enter')
      await example.getByRole('button', { name: 'Italic' }).click()
      await example.keyboard.type('Hello from React.')
      await waitForEditorText(app, 'Hello from React.')
      expect(await app.locator('.ProseMirror em').textContent()).toBe('Hello from React.')
      await example.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

      // Leaving the React app takes its person out of the app's list.
      await example.close()
      await waitForPresence(app, (names) => !names.includes('Grace'))
    } catch (error) {
      await example.screenshot({ path: artifactPath('react-example.png') }).catch(() => {})
      await app.screenshot({ path: artifactPath('react-example-app.png') }).catch(() => {})
      throw error
    }
  })
})
