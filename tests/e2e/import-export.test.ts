import fs from 'node:fs/promises'
import type { Browser, BrowserContext, Download, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { makeDocx } from '../helpers/docx'
import { uniqueDocId, waitForEditorText } from '../helpers/editor-page'
import { signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * Download and Import on the document page, in real Chromium against the real `npm start`
 * process: the files come from the REST API's own renderers and converters.
 */
const availability = browserAvailability()
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

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

const MARKDOWN_NOTES = '# Sprint review\n\nWe shipped **import** and *export*.\n\n## Next\n\n- docs\n- polish\n\n1. first\n2. second\n'

const WORD_NOTES = makeDocx([
  { heading: 1, runs: [{ text: 'Quarterly notes' }] },
  { runs: [{ text: 'Plain and ' }, { text: 'bold', bold: true }] },
  { bullet: true, runs: [{ text: 'alpha' }] },
  { bullet: true, runs: [{ text: 'beta' }] },
])

/** Opens Import…, picks a file (as the file picker would) and chooses where it goes. */
async function startImport(page: Page, file: { name: string; mimeType: string; buffer: Buffer }, where: 'append' | 'replace' | 'new') {
  await page.getByTestId('import').click()
  const dialog = page.getByTestId('import-dialog')
  await dialog.waitFor()
  await page.getByTestId('import-file').setInputFiles(file)
  await dialog.getByTestId('import-file-name').filter({ hasText: file.name }).waitFor()
  await page.getByTestId(`import-${where}`).check()
  return dialog
}

/** The document's text, without the name labels of other people's carets. */
const editorText = (page: Page) =>
  page.locator('.ProseMirror').evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    return copy.textContent ?? ''
  })

async function openDocument(page: Page, url: string) {
  await page.goto(url)
  await live(page)
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

      // On a phone the buttons keep their icons and the bar does not overflow.
      await page.setViewportSize({ width: 390, height: 760 })
      await expect(page.getByTestId('download').isVisible()).resolves.toBe(true)
      await expect(page.getByTestId('import').isVisible()).resolves.toBe(true)
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
      await page.getByTestId('download').click()
      await page.getByTestId('download-menu').waitFor()
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
      await page.screenshot({ path: artifactPath('importexport-narrow.png'), animations: 'disabled' })
    }, 120_000)

    it('imports a Markdown file as a new document: created, titled after the file, opened, formatted', async () => {
      const page = await newPage('importer')
      const docId = uniqueDocId('import-from')
      // Named the way a person is (remembered in this browser), so the new document opens as them.
      await page.goto(`${server.url}/d/${docId}`)
      const nameDialog = page.getByRole('dialog')
      await nameDialog.getByRole('textbox').fill('Importer')
      await nameDialog.getByRole('button', { name: 'Continue' }).click()
      await live(page)
      const dialog = await startImport(
        page,
        { name: 'Sprint_review notes.md', mimeType: 'text/markdown', buffer: Buffer.from(MARKDOWN_NOTES) },
        'new',
      )
      await expect(dialog.getByTestId('import-submit').textContent()).resolves.toBe('Create document')
      await dialog.getByText('Titled “Sprint review notes”').waitFor()
      await page.screenshot({ path: artifactPath('importexport-import-dialog.png'), animations: 'disabled' })
      await dialog.getByTestId('import-submit').click()

      await page.waitForURL((url) => url.pathname.startsWith('/d/') && !url.pathname.endsWith(docId), { timeout: 15_000 })
      await live(page)
      const editor = page.locator('.ProseMirror')
      await editor.locator('h1', { hasText: 'Sprint review' }).waitFor({ timeout: 15_000 })
      await editor.locator('h2', { hasText: 'Next' }).waitFor()
      await expect(editor.locator('strong').textContent()).resolves.toBe('import')
      await expect(editor.locator('em').textContent()).resolves.toBe('export')
      await expect(editor.locator('ul > li').allTextContents()).resolves.toEqual(['docs', 'polish'])
      await expect(editor.locator('ol > li').allTextContents()).resolves.toEqual(['first', 'second'])
      await expect(page.getByTestId('doc-title').inputValue()).resolves.toBe('Sprint review notes')
      // The document it was imported from is unchanged, and the new one is in the list.
      const newId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '')
      const list = (await (await fetch(`${server.url}/api/docs`)).json()) as { documents: Array<{ id: string; title: string }> }
      expect(list.documents.find((doc) => doc.id === newId)?.title).toBe('Sprint review notes')
      // Nothing was written into the open document, so it still is not stored (L8).
      expect((await fetch(`${server.url}/api/docs/${docId}/content?format=text`)).status).toBe(404)
    }, 120_000)

    it('imports a .docx into the open document while a second person watches it arrive; replacing asks first', async () => {
      const docId = uniqueDocId('import-into')
      const ada = await newPage('ada')
      const grace = await newPage('grace')
      await openDocument(ada, `${server.url}/d/${docId}?name=Ada`)
      await openDocument(grace, `${server.url}/d/${docId}?name=Grace`)
      await ada.locator('.ProseMirror').click()
      await ada.keyboard.type('Written before the import.')
      await waitForEditorText(grace, 'Written before the import.')

      // Added at the end (the default): what was there stays.
      const dialog = await startImport(ada, { name: 'Quarterly.docx', mimeType: DOCX, buffer: WORD_NOTES }, 'append')
      await dialog.getByTestId('import-submit').click()
      await dialog.waitFor({ state: 'detached', timeout: 15_000 })
      const watched = grace.locator('.ProseMirror')
      await watched.locator('h1', { hasText: 'Quarterly notes' }).waitFor({ timeout: 15_000 })
      await expect(watched.locator('strong').textContent()).resolves.toBe('bold')
      await expect(watched.locator('ul > li').allTextContents()).resolves.toEqual(['alpha', 'beta'])
      expect(await editorText(grace)).toMatch(/^Written before the import\.Quarterly notesPlain and boldalphabeta/)
      await ada.locator('.ProseMirror h1', { hasText: 'Quarterly notes' }).waitFor({ timeout: 15_000 })
      await grace.screenshot({ path: artifactPath('importexport-docx-arrived.png'), animations: 'disabled' })

      // Replacing asks once more, then replaces for everyone.
      const again = await startImport(
        ada,
        { name: 'replacement.md', mimeType: 'text/markdown', buffer: Buffer.from('# Fresh start\n\nOnly this.') },
        'replace',
      )
      await again.getByTestId('import-submit').click()
      await again.getByTestId('import-confirm').waitFor()
      await expect(again.getByTestId('import-submit').textContent()).resolves.toBe('Replace content')
      await ada.screenshot({ path: artifactPath('importexport-import-confirm.png'), animations: 'disabled' })
      expect(await editorText(grace)).toContain('Written before the import.') // nothing happened yet
      await again.getByTestId('import-submit').click()
      await again.waitFor({ state: 'detached', timeout: 15_000 })
      await waitForEditorText(grace, 'Fresh start')
      await grace.waitForFunction(() => !document.querySelector('.ProseMirror')?.textContent?.includes('Written before'), undefined, {
        timeout: 15_000,
      })
      await expect(grace.locator('.ProseMirror h1').allTextContents()).resolves.toEqual(['Fresh start'])
    }, 120_000)

    it('explains files it cannot import, before and after asking the server', async () => {
      const page = await newPage('careless')
      await openDocument(page, `${server.url}/d/${uniqueDocId('import-errors')}?name=Careless`)
      await page.locator('.ProseMirror').click()
      await page.keyboard.type('Untouched.')
      await saved(page)

      // Not a kind it imports: said at once, nothing to submit.
      const dialog = await startImport(page, { name: 'slides.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') }, 'append')
      await expect(dialog.getByTestId('import-error').textContent()).resolves.toBe(
        '“slides.pdf” is not a Markdown, HTML or Word (.docx) file.',
      )
      await expect(dialog.getByTestId('import-submit').isDisabled()).resolves.toBe(true)

      // Named .docx but not one: the server's reason, in words.
      await page
        .getByTestId('import-file')
        .setInputFiles({ name: 'report.docx', mimeType: DOCX, buffer: Buffer.from('not really a Word file') })
      await dialog.getByTestId('import-file-name').filter({ hasText: 'report.docx' }).waitFor()
      await expect(dialog.getByTestId('import-error').count()).resolves.toBe(0)
      await dialog.getByTestId('import-submit').click()
      const error = dialog.getByTestId('import-error')
      await error.waitFor({ timeout: 15_000 })
      await expect(error.textContent()).resolves.toBe('“report.docx” could not be read: Not a Word .docx file (not a zip archive).')
      await page.screenshot({ path: artifactPath('importexport-import-error.png'), animations: 'disabled' })

      // As a new document: refused the same way, and no empty document is left behind.
      const listed = async () =>
        ((await (await fetch(`${server.url}/api/docs`)).json()) as { documents: Array<{ title: string }> }).documents.map((d) => d.title)
      await page.getByTestId('import-new').check()
      await dialog.getByTestId('import-submit').click()
      await dialog.getByTestId('import-error').filter({ hasText: '“report.docx” could not be read' }).waitFor({ timeout: 15_000 })
      await expect(dialog.getByTestId('import-submit').isEnabled()).resolves.toBe(true)
      expect(await listed()).not.toContain('report')

      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'detached' })
      expect(await editorText(page)).toBe('Untouched.')

      // A file dropped on the dialog is taken like a picked one.
      await page.getByTestId('import').click()
      await dialog.waitFor()
      const dropped = await page.evaluateHandle(() => {
        const transfer = new DataTransfer()
        transfer.items.add(new File(['Dropped *in*.'], 'dropped.md', { type: 'text/markdown' }))
        return transfer
      })
      await dialog.locator('.tandem-import__drop').dispatchEvent('drop', { dataTransfer: dropped })
      await dialog.getByTestId('import-file-name').filter({ hasText: 'dropped.md' }).waitFor()
      await dialog.getByTestId('import-submit').click()
      await dialog.waitFor({ state: 'detached', timeout: 15_000 })
      await page.locator('.ProseMirror em', { hasText: 'in' }).waitFor({ timeout: 15_000 })
      expect(await editorText(page)).toBe('Untouched.Dropped in.')
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

    it('an editor downloads with the session token; a viewer downloads too but has no Import', async () => {
      const docId = uniqueDocId('auth-export')
      const editorToken = await signToken({ sub: 'eda', name: 'Eda', docs: ['*'], role: 'editor' }, { expiresIn: 3600 })
      const editor = await newPage('editor')
      await editor.goto(`${server.url}/d/${docId}?token=${editorToken}`)
      await live(editor)
      await writeSample(editor, 'Team notes')
      await checkAllDownloads(editor, 'Team notes', 'Team notes')
      await editor.getByTestId('import').waitFor()

      const viewerToken = await signToken({ sub: 'vic', name: 'Vic', docs: [docId], role: 'viewer' }, { expiresIn: 3600 })
      const viewer = await newPage('viewer')
      await viewer.goto(`${server.url}/d/${docId}?token=${viewerToken}`)
      await live(viewer)
      await viewer.getByTestId('view-only-badge').waitFor()
      await waitForEditorText(viewer, 'Ship the exporter.')
      expect((await download(viewer, 'markdown')).text).toBe('# Goals\n\nShip the exporter.\n\n- one\n- two\n')
      expect(await viewer.getByTestId('import').count()).toBe(0)
    }, 120_000)

    it('an editor imports a file as a new document under the token; a one-document link cannot create', async () => {
      const token = await signToken({ sub: 'ivy', name: 'Ivy', docs: ['team-*'], role: 'editor' }, { expiresIn: 3600 })
      const page = await newPage('ivy')
      const docId = `team-${uniqueDocId('auth-import')}`
      await openDocument(page, `${server.url}/d/${docId}?token=${token}`)
      const dialog = await startImport(
        page,
        { name: 'Plan.html', mimeType: 'text/html', buffer: Buffer.from('<h2>Plan</h2><p>Step <b>one</b></p>') },
        'new',
      )
      await dialog.getByTestId('import-submit').click()
      await page.waitForURL((url) => /^\/d\/team-/.test(url.pathname) && !url.pathname.endsWith(docId), { timeout: 15_000 })
      await live(page)
      await page.locator('.ProseMirror h2', { hasText: 'Plan' }).waitFor({ timeout: 15_000 })
      await expect(page.locator('.ProseMirror strong').textContent()).resolves.toBe('one')
      await expect(page.getByTestId('doc-title').inputValue()).resolves.toBe('Plan')

      // A link for one document: importing into it works, making a new one is not offered.
      const linkToken = await signToken({ sub: 'lee', name: 'Lee', docs: [docId], role: 'editor' }, { expiresIn: 3600 })
      const lee = await newPage('lee')
      await openDocument(lee, `${server.url}/d/${docId}?token=${linkToken}`)
      const leeDialog = await startImport(
        lee,
        { name: 'more.md', mimeType: 'text/markdown', buffer: Buffer.from('Added by *Lee*.') },
        'append',
      )
      await expect(lee.getByTestId('import-new').isDisabled()).resolves.toBe(true)
      await leeDialog.getByText('Your access link can’t create documents.').waitFor()
      await leeDialog.getByTestId('import-submit').click()
      await leeDialog.waitFor({ state: 'detached', timeout: 15_000 })
      await lee.locator('.ProseMirror em', { hasText: 'Lee' }).waitFor({ timeout: 15_000 })
    }, 120_000)
  })
})
