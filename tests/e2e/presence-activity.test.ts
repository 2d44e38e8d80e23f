import fs from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { type BlackholeProxy, startBlackholeProxy } from '../helpers/blackhole-proxy'
import { browserAvailability, launchChromium } from '../helpers/browser'
import { openDocPage, uniqueDocId, waitForEditorText, waitForPresence } from '../helpers/editor-page'
import { waitFor } from '../helpers/wait'

/**
 * Honest presence and activity in real Chromium against the real `npm start` process. Each
 * person has their own browser context (their own browser profile, so their own identity).
 * Ada reaches the app through a proxy that can fail her network; the others connect directly.
 * Screenshots of the document with several people, and of the share menu, go to
 * /tmp/shots/people/ (1280 and 390 px, light and dark).
 */
const availability = browserAvailability()
const SHOTS = '/tmp/shots/people'

let server: AppServer
let proxy: BlackholeProxy
let browser: Browser
const contexts: BrowserContext[] = []

async function openAs(base: string, name: string, docId: string): Promise<Page> {
  return openDocPage(browser, contexts, `${base}/d/${docId}?name=${encodeURIComponent(name)}`, name)
}

/** The activity feed's sentences, newest first. */
const feed = (page: Page) => page.locator('[data-testid="activity"] .tandem-activity__text').allTextContents()

/** The avatar colour of each entry in "People here", with its name. */
const presenceColors = (page: Page) =>
  page
    .locator('[data-testid="presence-user"]')
    .evaluateAll((items) =>
      items.map((item) => [
        item.querySelector('.tandem-presence__name')?.textContent ?? '',
        getComputedStyle(item.querySelector('.tandem-avatar') as Element).backgroundColor,
      ]),
    )

async function waitForFeed(page: Page, predicate: (entries: string[]) => boolean, what: string, timeout = 20_000): Promise<string[]> {
  let entries: string[] = []
  await waitFor(
    async () => {
      entries = await feed(page)
      return predicate(entries)
    },
    what,
    timeout,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; the feed said: ${JSON.stringify(entries)}`)
  })
  return entries
}

const started = Date.now()
/** Progress with elapsed time: on a busy machine, it shows where the time went. */
const step = (what: string) => console.log(`[people e2e] ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`)

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })
}

describe.skipIf(!availability.run)('honest presence and activity in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    server = await startAppServer()
    proxy = await startBlackholeProxy(server.port)
    browser = await launchChromium(availability.executablePath as string)
  }, 600_000)

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await proxy?.close()
    await server?.stop()
  })

  it('same-name people are two people in two colours; my own reconnect adds nothing; a real departure shows once', async () => {
    const docId = uniqueDocId('people')
    const ada = await openAs(`http://127.0.0.1:${proxy.port}`, 'Ada Lovelace', docId)
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('Agenda for the launch.\nBudget and dates.\nWho does what.')
    step('Ada is in')
    const grace = await openAs(server.url, 'Grace Hopper', docId)
    const samA = await openAs(server.url, 'Sam', docId)
    const samB = await openAs(server.url, 'Sam', docId)

    step('everyone is in')
    // Two people called Sam: two entries, and everyone in a colour of their own.
    await waitForPresence(ada, (names) => names.filter((n) => n === 'Sam').length === 2 && names.includes('Grace Hopper'), 20_000)
    await waitForPresence(samA, (names) => names.filter((n) => n === 'Sam').length === 2, 20_000)
    let colors: string[][] = []
    await waitFor(
      async () => {
        colors = await presenceColors(ada)
        return colors.length === 4 && new Set(colors.map(([, color]) => color)).size === 4
      },
      'four people in four colours',
      20_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(colors)}`)
    })
    await waitForFeed(ada, (entries) => entries.filter((e) => e === 'Sam joined').length === 2, 'two Sams joined')
    // The feed shows each Sam in the colour "People here" shows them in.
    const samColors = colors.filter(([name]) => name === 'Sam').map(([, color]) => color)
    const joinedDots = await ada
      .locator('[data-testid="activity"] li', { hasText: 'Sam joined' })
      .evaluateAll((items) => items.map((item) => getComputedStyle(item.querySelector('.tandem-activity__dot') as Element).backgroundColor))
    expect(new Set(joinedDots)).toEqual(new Set(samColors))

    step('four people in four colours, two Sams joined')
    // Carets: everyone writes somewhere, so the screenshots show them with their names.
    for (const [page, line, words] of [
      [grace, 1, ' (Grace)'],
      [samA, 2, ' (Sam A)'],
      [samB, 3, ' (Sam B)'],
    ] as const) {
      await waitForEditorText(page, 'Who does what.')
      await page
        .locator('.ProseMirror p')
        .nth(line - 1)
        .click()
      await page.keyboard.press('End')
      await page.keyboard.type(words)
    }
    await waitForEditorText(ada, '(Sam B)')
    await ada.locator('.collaboration-carets__label', { hasText: 'Sam' }).first().waitFor({ timeout: 15_000 })
    step('carets shown')
    for (const scheme of ['light', 'dark'] as const) {
      await ada.emulateMedia({ colorScheme: scheme })
      for (const width of [1280, 390]) {
        await ada.setViewportSize({ width, height: width < 600 ? 844 : 800 })
        await shoot(ada, `doc-people-${width}-${scheme}`)
        await ada.getByTestId('share').click()
        await ada.getByTestId('share-menu').waitFor()
        await ada.screenshot({ path: `${SHOTS}/share-menu-${width}-${scheme}.png` })
        await ada.keyboard.press('Escape')
        await ada.getByTestId('share-menu').waitFor({ state: 'detached' })
      }
    }
    await ada.emulateMedia({ colorScheme: 'light' })
    await ada.setViewportSize({ width: 1280, height: 800 })

    step('screenshots taken')
    // Ada's own network fails loudly and comes back: she goes offline and online, and the
    // people who were there all along neither left nor joined.
    proxy.refuse()
    await ada.locator('[data-testid="connection-status"][data-status="offline"]').waitFor({ timeout: 20_000 })
    proxy.restore()
    await ada.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 30_000 })
    await waitForPresence(ada, (names) => names.filter((n) => n === 'Sam').length === 2 && names.includes('Grace Hopper'), 20_000)

    step('Ada reconnected and sees everyone again')
    // One Sam really leaves. The feed says so after its grace period (15 s), once: by then any
    // false departure from Ada's reconnect, which came earlier, would have shown too.
    await samB.context().close()
    const adaFeed = await waitForFeed(ada, (entries) => entries.includes('Sam left'), 'Sam left', 45_000)
    expect(adaFeed.filter((e) => e === 'Sam left')).toHaveLength(1)
    expect(adaFeed.filter((e) => /^Grace Hopper (left|joined)$/.test(e))).toEqual(['Grace Hopper joined'])
    expect(adaFeed.filter((e) => e === 'Sam joined')).toHaveLength(2)
    expect(adaFeed.slice(1, 3)).toEqual(['You are back online', 'You went offline'])
    // Grace saw Ada drop and come back within the grace period: no entry about Ada at all.
    const graceFeed = await waitForFeed(grace, (entries) => entries.includes('Sam left'), 'Sam left for Grace', 45_000)
    expect(graceFeed.filter((e) => e.startsWith('Ada Lovelace') && e !== 'Ada Lovelace was already here')).toEqual([])
    expect(graceFeed.filter((e) => e === 'Sam left')).toHaveLength(1)
    await waitForPresence(ada, (names) => names.filter((n) => n === 'Sam').length === 1)

    step('departure reported')
    // A deleted document says so, and never "Saved".
    expect((await fetch(`${server.url}/api/docs/${docId}`, { method: 'DELETE' })).status).toBe(204)
    await ada.locator('[data-testid="connection-status"][data-ending="deleted"]', { hasText: 'Deleted' }).waitFor({ timeout: 20_000 })
    await expect(ada.getByTestId('save-state').count()).resolves.toBe(0)
    await waitForFeed(ada, (entries) => entries[0] === 'This document was deleted', 'the feed says the document was deleted')
    await shoot(ada, 'doc-deleted-1280-light')
  }, 600_000)
})
