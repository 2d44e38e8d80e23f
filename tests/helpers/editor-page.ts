import type { Browser, BrowserContext, Page } from 'playwright-core'
import { waitFor } from './wait'

/**
 * What the browser tests read off a Tandem editor page. Timeouts are generous bounds: they only
 * cap how long a failure takes on a busy machine, they decide nothing.
 */

/** A document id no other test (or earlier run) uses. */
export const uniqueDocId = (label: string) => `e2e-${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

/**
 * Opens a document page (`url`, with its ?name= or ?token=) in a fresh browser context, kept in
 * `contexts` for the suite to close, and waits until it is live and its editor synced. `label`
 * names the person in the page errors it logs.
 */
export async function openDocPage(
  browser: Browser,
  contexts: BrowserContext[],
  url: string,
  label: string,
  viewport = { width: 1280, height: 800 },
): Promise<Page> {
  const context = await browser.newContext({ viewport })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${label}] page error:`, error.message))
  await page.goto(url, { timeout: 120_000 })
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 60_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 60_000 })
  return page
}

/** Waits until the editor's text contains `text`. */
export async function waitForEditorText(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('.ProseMirror')?.textContent?.includes(t) ?? false, text, { timeout })
}

/** The names in the "People here" panel (PresenceList in lib/react/presence.tsx). */
export function presenceNames(page: Page): Promise<string[]> {
  return page.locator('[data-testid="presence-user"] .tandem-presence__name').allTextContents()
}

/** Waits until the names in "People here" satisfy `predicate`; resolves with them. */
export async function waitForPresence(page: Page, predicate: (names: string[]) => boolean, timeout = 15_000): Promise<string[]> {
  let names: string[] = []
  await waitFor(
    async () => {
      names = await presenceNames(page)
      return predicate(names)
    },
    'the people in the presence list',
    timeout,
  ).catch(() => {
    throw new Error(`presence never matched; last seen: ${JSON.stringify(names)}`)
  })
  return names
}
