import fs from 'node:fs/promises'
import type { Browser, BrowserContext, Download, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText } from '../helpers/editor-page'
import { signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * Download and Import on the document page, in real Chromium against the real `npm start`
 * process: the files come from the REST API's own renderers and converters.
 */
const availability = browserAvailability()

let browser: Browser
const contexts: BrowserContext[] = []

async function newPage(label: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error.message))
  return page
}

async function live(page: Page) {
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 15_000 })
}

async function saved(page: Page) {
  await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
}

/** Picks a format in the Download menu; resolves with the browser's download. */
async function download(page: Page, format: 'markdown' | 'html' | 'json'): Promise<{ name: string; text: string }> {
  await page.getByTestId('download').click()
  await page.getByTestId('download-menu').waitFor()
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId(`download-${format}`).click()])
  await page.getByTestId('download-menu').waitFor({ state: 'detached' })
  return { name: file.suggestedFilename(), text: await readDownload(file) }
}

async function readDownload(file: Download): Promise<string> {
  const path = await file.path()
  return fs.readFile(path, 'utf8')
}

/** Types a small document through the editor's own Markdown shortcuts. */
async function writeSample(page: Page, title: string) {
  await page.getByTestId('doc-title').fill(title)
  await page.locator('.ProseMirror').click()
  await page.keyboard.type('# Goals')
  await page.keyboard.press('Enter')
  await page.keyboard.type('Ship the exporter.')
  await page.keyboard.press('Enter')
  await page.keyboard.type('- one')
  await page.keyboard.press('Enter')
  await page.keyboard.type('two')
  await page.locator('.ProseMirror ul li', { hasText: 'two' }).waitFor()
  await saved(page)
}

async function checkAllDownloads(page: Page, title: string, stem: string) {
  const markdown = await download(page, 'markdown')
  expect(markdown.name).toBe(`${stem}.md`)
  expect(markdown.text).toBe('# Goals\n\nShip the exporter.\n\n- one\n- two\n')

  const html = await download(page, 'html')
  expect(html.name).toBe(`${stem}.html`)
  expect(html.text.startsWith('<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">')).toBe(true)
  expect(html.text).toContain(`<title>${title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</title>`)
  expect(html.text).toContain('<body>\n<h1>Goals</h1><p>Ship the exporter.</p><ul><li><p>one</p></li><li><p>two</p></li></ul>')
  expect(html.text.endsWith('\n</body>\n</html>\n')).toBe(true)

  const json = await download(page, 'json')
  expect(json.name).toBe(`${stem}.json`)
  const doc = JSON.parse(json.text) as { type: string; content: Array<{ type: string; attrs?: { level?: number } }> }
  expect(doc.type).toBe('doc')
  // The editor keeps an empty paragraph after a list at the end (its trailing node).
  expect(doc.content.map((node) => node.type)).toEqual(['heading', 'paragraph', 'bulletList', 'paragraph'])
  expect(doc.content[0]?.attrs?.level).toBe(1)
}

describe.skipIf(!availability.run)('download and import in Chromium', () => {
  beforeAll(async () => {
    browser = await launchChromium(availability.executablePath as string)
  })

  afterAll(async () => {
    await browser?.close()
  })

  describe('open mode', () => {
    let server: AppServer

    beforeAll(async () => {
      server = await startAppServer()
    })

    afterAll(async () => {
      for (const context of contexts.splice(0)) await context.close().catch(() => {})
      await server?.stop()
    })

    it('downloads Markdown, HTML and JSON named after the title', async () => {
      const docId = uniqueDocId('export')
      const page = await newPage('writer')
      await page.goto(`${server.url}/d/${docId}?name=Writer`)
      await live(page)
      await writeSample(page, 'Q3: plan/draft <v2>')
      await checkAllDownloads(page, 'Q3: plan/draft <v2>', 'Q3 plan draft v2')

      await page.getByTestId('download').click()
      await page.getByTestId('download-menu').waitFor()
      await page.screenshot({ path: artifactPath('importexport-download-menu.png'), animations: 'disabled' })
      await page.keyboard.press('Escape')
      await page.getByTestId('download-menu').waitFor({ state: 'detached' })

      // No title: "Untitled".
      await page.getByTestId('doc-title').fill('')
      await saved(page)
      expect((await download(page, 'markdown')).name).toBe('Untitled.md')
    }, 120_000)
  })

  describe('auth on', () => {
    let server: AppServer

    beforeAll(async () => {
      server = await startAppServer({ env: { TANDEM_AUTH_SECRET: TEST_SECRET } })
    })

    afterAll(async () => {
      for (const context of contexts.splice(0)) await context.close().catch(() => {})
      await server?.stop()
    })

    it('an editor downloads with the session token; a viewer downloads too', async () => {
      const docId = uniqueDocId('auth-export')
      const editorToken = await signToken({ sub: 'eda', name: 'Eda', docs: ['*'], role: 'editor' }, { expiresIn: 3600 })
      const editor = await newPage('editor')
      await editor.goto(`${server.url}/d/${docId}?token=${editorToken}`)
      await live(editor)
      await writeSample(editor, 'Team notes')
      await checkAllDownloads(editor, 'Team notes', 'Team notes')

      const viewerToken = await signToken({ sub: 'vic', name: 'Vic', docs: [docId], role: 'viewer' }, { expiresIn: 3600 })
      const viewer = await newPage('viewer')
      await viewer.goto(`${server.url}/d/${docId}?token=${viewerToken}`)
      await live(viewer)
      await viewer.getByTestId('view-only-badge').waitFor()
      await waitForEditorText(viewer, 'Ship the exporter.')
      expect((await download(viewer, 'markdown')).text).toBe('# Goals\n\nShip the exporter.\n\n- one\n- two\n')
    }, 120_000)
  })
})
