import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppServer, startAppServer } from '../helpers/app-server'
import { artifactPath, browserAvailability, launchChromium } from '../helpers/browser'
import { uniqueDocId, waitForEditorText, waitForPresence } from '../helpers/editor-page'
import { type NginxProcess, nginxAvailability, startNginx } from '../helpers/nginx'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RedisProcess, redisAvailability, startRedis } from '../helpers/redis'
import { waitFor } from '../helpers/wait'

/**
 * Real Chromium through nginx (examples/nginx/tandem.conf, upstreams and port swapped, and its
 * document hash swapped for `least_conn` so that one document's two users land on different
 * instances) in front of two real `npm start` processes (the Next app + sync server) on one
 * PostgreSQL database and one redis-server of the test's own.
 */
// Each check warns (or, under CI=true, throws) by itself; all of them run so every gap is named.
const browserCheck = browserAvailability()
const nginxAvailable = nginxAvailability()
const postgresAvailable = await postgresAvailability()
const redisAvailable = redisAvailability()
const available = browserCheck.run && nginxAvailable && postgresAvailable && redisAvailable

let database: TestDatabase | undefined
let redis: RedisProcess | undefined
const instances: AppServer[] = []
let nginx: NginxProcess | undefined
let browser: Browser | undefined
const contexts: BrowserContext[] = []

/** `tandem_connections` of one instance, read from it directly (not through nginx). */
async function openConnections(instance: AppServer): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text()
  const match = /^tandem_connections (\d+)/m.exec(text)
  if (!match) throw new Error(`no tandem_connections in /metrics of ${instance.url}`)
  return Number(match[1])
}

const connectionCounts = () => Promise.all(instances.map(openConnections))

async function waitForCounts(expected: number[], what: string): Promise<void> {
  let last: number[] = []
  try {
    await waitFor(
      async () => {
        last = await connectionCounts()
        return last.every((count, i) => count === expected[i])
      },
      what,
      15_000,
    )
  } catch (error) {
    throw new Error(`${(error as Error).message}; tandem_connections per instance last seen: ${JSON.stringify(last)}`)
  }
}

async function openAs(name: string, docId: string): Promise<Page> {
  const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 800 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message))
  await page.goto(`${(nginx as NginxProcess).url}/d/${docId}?name=${encodeURIComponent(name)}`)
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 15_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 15_000 })
  return page
}

/** The editor's text without the other people's caret widgets (their name labels are in the DOM). */
const documentText = (page: Page) =>
  page.locator('.ProseMirror').evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
    return copy.textContent ?? ''
  })

describe.runIf(available)('two instances behind nginx, PostgreSQL + Redis, in Chromium', () => {
  beforeAll(async () => {
    database = await createTestDatabase()
    redis = await startRedis()
    const env = {
      TANDEM_DATABASE_URL: database.url,
      TANDEM_REDIS_URL: redis.url,
      // nginx runs on this host (see the comments in examples/nginx/tandem.conf).
      TANDEM_TRUSTED_PROXIES: '127.0.0.1',
    }
    // One at a time: both migrate the same fresh database on start.
    for (let i = 0; i < 2; i++) instances.push(await startAppServer({ env }))
    nginx = await startNginx({ upstreams: instances.map((instance) => `127.0.0.1:${instance.port}`), balance: 'least_conn' })
    browser = await launchChromium(browserCheck.executablePath as string)
  })

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await browser?.close()
    await nginx?.stop()
    for (const instance of instances) await instance.stop()
    await redis?.dispose()
    await database?.drop()
  })

  it('two users of one document on different instances see each other, their text and their carets', async () => {
    const docId = uniqueDocId('cluster')
    await waitForCounts([0, 0], 'no sockets open before the users come')

    const ada = await openAs('Ada', docId)
    await waitFor(async () => (await connectionCounts()).sort().join() === '0,1', "Ada's socket to be open on one instance", 15_000)
    const adaOn = (await connectionCounts()).indexOf(1)

    // least_conn: Grace's long-lived socket goes to the instance that has none.
    const grace = await openAs('Grace', docId)
    await waitForCounts([1, 1], "Ada's and Grace's sockets to be open on different instances")
    console.log(`[e2e] Ada's socket is on instance ${adaOn} (:${instances[adaOn]?.port}), Grace's on the other`)

    // Presence crosses instances (through Redis): each sees both in "People here".
    await waitForPresence(ada, (n) => n.includes('Ada') && n.includes('Grace'))
    await waitForPresence(grace, (n) => n.includes('Ada') && n.includes('Grace'))
    // And in the header's avatar stack.
    await ada.locator('.tandem-avatar-stack[aria-label="2 online: Ada (you), Grace"]').waitFor({ timeout: 15_000 })
    await grace.locator('.tandem-avatar-stack[aria-label="2 online: Grace (you), Ada"]').waitFor({ timeout: 15_000 })

    // Text typed on one instance reaches the other, both ways.
    await ada.locator('.ProseMirror').click()
    await ada.keyboard.type('Ada writes through one instance.')
    await waitForEditorText(grace, 'Ada writes through one instance.')

    await grace.locator('.ProseMirror').click()
    await grace.keyboard.press('End')
    await grace.keyboard.type(' Grace answers from the other.')
    await waitForEditorText(ada, 'Ada writes through one instance. Grace answers from the other.')

    // Each sees the other's caret with their name.
    await ada.locator('.collaboration-carets__label', { hasText: 'Grace' }).waitFor({ state: 'visible', timeout: 15_000 })
    await grace.locator('.collaboration-carets__label', { hasText: 'Ada' }).waitFor({ state: 'visible', timeout: 15_000 })

    // Both instances stored (and echoed) everything.
    await ada.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })
    await grace.locator('[data-testid="save-state"][data-state="saved"]').waitFor({ timeout: 15_000 })

    // Still split: nothing above moved a socket.
    expect(await connectionCounts()).toEqual([1, 1])
    const adaText = await documentText(ada)
    expect(adaText).toBe('Ada writes through one instance. Grace answers from the other.')
    expect(await documentText(grace)).toBe(adaText)

    await ada.screenshot({ path: artifactPath('cluster-ada.png') })
    await grace.screenshot({ path: artifactPath('cluster-grace.png') })
  }, 60_000)
})
