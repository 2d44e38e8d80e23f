import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForPresence } from '../helpers/editor-page'
import { signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/**
 * The version history panel in real Chromium against the real `npm start` process: saving a
 * named version, previewing it without touching the live document, restoring it live for
 * everyone (with the activity feed saying so), and a viewer who may only look.
 */
const availability = browserAvailability()

let openServer: AppServer
let authServer: AppServer
let browser: Browser
let shots: string
const contexts: BrowserContext[] = []

async function newPage(label: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error.message))
  return page
}

async function live(page: Page) {
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
  await page.locator('.workspace__main .tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 15_000 })
}

async function openAs(name: string, docId: string): Promise<Page> {
  const page = await newPage(name)
  await page.goto(`${openServer.url}/d/${docId}?name=${encodeURIComponent(name)}`)
  await live(page)
  return page
}

/** The live document's text (not the preview's), without the name labels of other people's carets. */
const liveText = (page: Page) =>
  page.locator('.workspace__main .ProseMirror').evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    return copy.textContent ?? ''
  })

async function waitForLiveText(page: Page, predicate: (text: string) => boolean, what: string): Promise<void> {
  let text = ''
  const matches = async () => {
    text = await liveText(page)
    return predicate(text)
  }
  await waitFor(matches, what, 15_000).catch(() => {
    throw new Error(`the live text never became ${what}; last seen: ${JSON.stringify(text)}`)
  })
}

const previewText = (page: Page) => page.getByTestId('history-preview').locator('.ProseMirror').textContent()

/** Saves a screenshot in this run's temp folder and among the test artifacts. */
async function shoot(page: Page, name: string, fullPage = false) {
  const file = path.join(shots, name)
  await page.screenshot({ path: file, fullPage, animations: 'disabled' })
  await copyFile(file, artifactPath(name))
}

const item = (page: Page, name: string | RegExp) => page.getByTestId('history-item').filter({ hasText: name })

describe.skipIf(!availability.run)('version history in Chromium', () => {
  beforeAll(async () => {
    // One build is shared: the second start finds it fresh.
    openServer = await startAppServer()
    // Automatic versions every half second on this one, so the test sees one soon.
    authServer = await startAppServer({ env: { TANDEM_AUTH_SECRET: TEST_SECRET, TANDEM_VERSION_INTERVAL_MS: '500' } })
    browser = await launchChromium(availability.executablePath as string)
    shots = await mkdtemp(path.join(os.tmpdir(), 'tandem-history-shots-'))
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await openServer?.stop()
    await authServer?.stop()
    if (shots) await rm(shots, { recursive: true, force: true })
  })

  it('Ada saves a named version, previews it, restores it; Grace sees the text and the activity live', async () => {
    const docId = uniqueDocId('history')
    const ada = await openAs('Ada', docId)
    const grace = await openAs('Grace', docId)
    await waitForPresence(ada, (n) => n.includes('Grace'))

    await ada.locator('.workspace__main .ProseMirror').click()
    await ada.keyboard.type('First draft of the plan.')
    await waitForLiveText(grace, (t) => t.includes('First draft of the plan.'), 'the first draft')
    // A version is made of what the server has stored.
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

    // Save a named version through the panel.
    await ada.getByTestId('history-button').click()
    const panel = ada.getByTestId('history-panel')
    await panel.waitFor()
    await ada.getByTestId('history-save-now').click()
    await ada.getByTestId('history-name-input').fill('First draft')
    await ada.getByTestId('history-name-save').click()
    await ada.getByTestId('history-status').filter({ hasText: 'Saved “First draft”' }).waitFor({ timeout: 15_000 })
    await item(ada, 'First draft').and(ada.locator('[aria-current="true"]')).waitFor()
    await expect(item(ada, 'First draft').textContent()).resolves.toContain('Ada')
    await ada.getByTestId('history-preview').waitFor()
    expect(await previewText(ada)).toBe('First draft of the plan.')

    // Escape closes the panel and gives focus back to the History button.
    await ada.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })
    await ada.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset.testid === 'history-button')

    await ada.locator('.workspace__main .ProseMirror').click()
    await ada.keyboard.press('Control+End')
    await ada.keyboard.type(' Then many more words.')
    await waitForLiveText(grace, (t) => t.includes('Then many more words.'), 'the longer text')
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

    // Opened from the keyboard this time; the preview shows the old text, the document keeps the new.
    await ada.getByTestId('history-button').focus()
    await ada.keyboard.press('Enter')
    await panel.waitFor()
    await item(ada, 'First draft').click()
    await ada.getByTestId('history-preview').waitFor()
    await ada.waitForFunction(
      () => document.querySelector('[data-testid="history-preview"] .ProseMirror')?.textContent === 'First draft of the plan.',
    )
    await expect(ada.getByTestId('history-preview').locator('.ProseMirror').getAttribute('contenteditable')).resolves.toBe('false')
    expect(await liveText(ada)).toBe('First draft of the plan. Then many more words.')
    expect(await liveText(grace)).toBe('First draft of the plan. Then many more words.')
    await shoot(ada, 'history-preview-wide.png')

    // Restore, after confirming.
    await ada.getByTestId('history-restore').click()
    await ada.getByTestId('history-confirm').waitFor()
    await shoot(ada, 'history-confirm-wide.png')
    await ada.getByTestId('history-restore-confirm').click()
    await ada.getByTestId('history-status').filter({ hasText: 'Restored “First draft”' }).waitFor({ timeout: 15_000 })

    // Grace's editor changed live, and her activity feed says who restored what.
    await waitForLiveText(grace, (t) => t === 'First draft of the plan.', 'the restored text')
    await grace.getByTestId('activity').filter({ hasText: 'Ada restored “First draft”' }).waitFor({ timeout: 15_000 })
    await waitForLiveText(ada, (t) => t === 'First draft of the plan.', 'the restored text')
    await ada.getByTestId('activity').filter({ hasText: 'Ada restored “First draft”' }).waitFor({ timeout: 15_000 })

    // The state before the restore is a version of its own.
    const backup = item(ada, /^Before restoring/)
    await backup.waitFor()
    expect(await ada.getByTestId('history-item').count()).toBeGreaterThanOrEqual(2)
    // Arrow keys move between versions, Enter shows one.
    await backup.focus()
    await ada.keyboard.press('ArrowDown')
    await ada.waitForFunction(() => document.activeElement?.textContent?.startsWith('First draft') ?? false)
    await ada.keyboard.press('Home')
    await ada.waitForFunction(() => document.activeElement?.textContent?.startsWith('Before restoring') ?? false)
    await ada.keyboard.press('Enter')
    await ada.getByTestId('history-selected-name').filter({ hasText: 'Before restoring “First draft”' }).waitFor()
    await shoot(ada, 'history-after-restore-wide.png')
    await ada.getByTestId('history-close').click()
    await panel.waitFor({ state: 'detached' })

    // On a phone-sized screen: the list, then one version with a way back.
    await grace.setViewportSize({ width: 390, height: 844 })
    await grace.getByTestId('history-button').click()
    await grace.getByTestId('history-list').waitFor()
    await shoot(grace, 'history-list-narrow.png')
    await item(grace, /^Before restoring/).click()
    await grace.getByTestId('history-preview').waitFor()
    await grace.waitForFunction(
      () => document.querySelector('[data-testid="history-preview"] .ProseMirror')?.textContent?.includes('Then many more words.') ?? false,
    )
    expect(await grace.getByTestId('history-list').isVisible()).toBe(false)
    const overflow = await grace.evaluate(() => {
      const sheet = document.querySelector('[data-testid="history-panel"]') as HTMLElement
      return { page: document.documentElement.scrollWidth, sheet: sheet.scrollWidth - sheet.clientWidth }
    })
    expect(overflow.page).toBeLessThanOrEqual(390)
    expect(overflow.sheet).toBe(0)
    await shoot(grace, 'history-preview-narrow.png')
    await grace.getByRole('button', { name: 'All versions' }).click()
    await grace.getByTestId('history-list').waitFor()
    await grace.getByTestId('history-close').click()
    await grace.getByTestId('history-panel').waitFor({ state: 'detached' })
    await grace.getByTestId('activity').filter({ hasText: 'Ada restored “First draft”' }).scrollIntoViewIfNeeded()
    await shoot(grace, 'history-activity-narrow.png', true)
  }, 180_000)

  it('an editor names an automatic version (auth on); a viewer sees versions and previews, but cannot save, name or restore', async () => {
    const docId = uniqueDocId('history-view')
    const editorToken = await signToken({ sub: 'olive', name: 'Olive', docs: ['*'], role: 'editor' }, { expiresIn: 3600 })
    const viewerToken = await signToken({ sub: 'vera', name: 'Vera', docs: [docId], role: 'viewer' }, { expiresIn: 3600 })

    const olive = await newPage('olive')
    await olive.goto(`${authServer.url}/d/${docId}?token=${editorToken}`)
    await live(olive)
    await olive.locator('.workspace__main .ProseMirror').click()
    await olive.keyboard.type('Only Olive writes here.')
    await olive.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

    // The server saves automatic versions while the document is edited: wait for one of the whole text.
    const api = (route: string) =>
      fetch(`${authServer.url}/api/docs/${docId}/versions${route}`, { headers: { authorization: `Bearer ${editorToken}` } })
    await waitFor(
      async () => {
        const { versions } = (await (await api('')).json()) as { versions: Array<{ id: string; automatic: boolean }> }
        const newest = versions[0]
        if (!newest?.automatic) return false
        return (await (await api(`/${newest.id}?format=text`)).text()).trim() === 'Only Olive writes here.'
      },
      'an automatic version of the whole text',
      15_000,
    )

    // "Automatic version" until someone names it.
    await olive.getByTestId('history-button').click()
    const newest = olive.getByTestId('history-item').first()
    await newest.filter({ hasText: 'Automatic version' }).waitFor()
    await newest.click()
    await olive.getByTestId('history-preview').waitFor()
    await shoot(olive, 'history-automatic-wide.png')
    await olive.getByTestId('history-rename').filter({ hasText: 'Name this version' }).click()
    await olive.getByTestId('history-name-input').fill('Reviewed')
    await olive.keyboard.press('Enter')
    await olive.getByTestId('history-status').filter({ hasText: 'Named “Reviewed”' }).waitFor({ timeout: 15_000 })
    await item(olive, 'Reviewed').waitFor()
    await olive.getByTestId('history-selected-name').filter({ hasText: 'Reviewed' }).waitFor()

    // A version saved now: with auth on its author is the token's user.
    await olive.getByTestId('history-save-now').click()
    await olive.getByTestId('history-name-input').fill('Sent out')
    await olive.getByTestId('history-name-save').click()
    await olive.getByTestId('history-status').filter({ hasText: 'Saved “Sent out”' }).waitFor({ timeout: 15_000 })
    await expect(item(olive, 'Sent out').textContent()).resolves.toContain('Olive')

    const vera = await newPage('vera')
    await vera.goto(`${authServer.url}/d/${docId}?token=${viewerToken}`)
    await live(vera)
    await vera.getByTestId('view-only-badge').waitFor()
    await vera.getByTestId('history-button').click()
    await item(vera, 'Reviewed').click()
    await vera.getByTestId('history-preview').waitFor()
    await vera.waitForFunction(
      () => document.querySelector('[data-testid="history-preview"] .ProseMirror')?.textContent === 'Only Olive writes here.',
    )
    for (const control of ['history-restore', 'history-rename', 'history-save-now', 'history-restore-confirm']) {
      expect(await vera.getByTestId(control).count(), control).toBe(0)
    }
    await shoot(vera, 'history-viewer-wide.png')

    // The API refuses her anyway: the UI only mirrors the server's rule.
    const versions = (await (
      await fetch(`${authServer.url}/api/docs/${docId}/versions`, { headers: { authorization: `Bearer ${viewerToken}` } })
    ).json()) as { versions: Array<{ id: string }> }
    const refused = await fetch(`${authServer.url}/api/docs/${docId}/versions/${versions.versions[0]?.id}/restore`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(refused.status).toBe(403)
  }, 120_000)
})
