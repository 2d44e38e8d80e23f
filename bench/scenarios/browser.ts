import type { Browser, Page } from 'playwright-core'
import { type AppServer, startAppServer } from '../../tests/helpers/app-server'
import { findChromium, launchChromium } from '../../tests/helpers/browser'
import { fmt, type Scenario, scenarioShell, type Table } from '../lib/harness'
import { type LatencySummary, latencySummary } from '../lib/stats'

interface BrowserResult {
  readonly keystrokes: number
  readonly latency: LatencySummary
  readonly chromium: string
}

async function openAs(browser: Browser, server: AppServer, name: string, docId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await page.goto(`${server.url}/d/${docId}?name=${encodeURIComponent(name)}`)
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 30_000 })
  await page.locator('.tandem-editor[data-synced="true"] .ProseMirror').waitFor({ timeout: 30_000 })
  return page
}

/**
 * Keystroke in one Chromium page → text rendered in another, against `npm start` (the app,
 * SQLite storage). Times are taken in the pages: keydown (capture phase) in the writer, the
 * first DOM mutation showing the character in the reader; both pages share the machine's
 * clock (performance.timeOrigin + now()). One keystroke at a time.
 */
export const browser: Scenario = {
  name: 'browser',
  title: 'Browser: keystroke → remote render',
  async run(ctx) {
    const keystrokes = 200
    const shell = scenarioShell(this.name, this.title, { keystrokes }, [])
    const executablePath = findChromium()
    if (!executablePath) {
      ctx.log('    browser: no Chromium found (CHROME_PATH, /usr/bin/chromium); skipped')
      return shell.finish([], ['Skipped: no Chromium on this machine.'])
    }
    const server = await startAppServer()
    let chromium: Browser | null = null
    try {
      chromium = await launchChromium(executablePath)
      const docId = `bench-latency-${Date.now().toString(36)}`
      const writer = await openAs(chromium, server, 'Writer', docId)
      const reader = await openAs(chromium, server, 'Reader', docId)
      await writer.evaluate(() => {
        const w = window as unknown as { __keyTimes: number[] }
        w.__keyTimes = []
        document.addEventListener('keydown', () => w.__keyTimes.push(performance.timeOrigin + performance.now()), true)
      })
      await reader.evaluate(() => {
        const w = window as unknown as { __seen: number[] }
        w.__seen = []
        const root = document.querySelector('.ProseMirror') as HTMLElement
        new MutationObserver(() => {
          const match = /LAT:(x*)/.exec(root.textContent ?? '')
          const count = match?.[1]?.length ?? 0
          const now = performance.timeOrigin + performance.now()
          while (w.__seen.length < count) w.__seen.push(now)
        }).observe(root, { subtree: true, childList: true, characterData: true })
      })
      await writer.locator('.ProseMirror').click()
      await writer.keyboard.type('LAT:')
      await reader.waitForFunction(() => document.querySelector('.ProseMirror')?.textContent?.includes('LAT:') ?? false, undefined, {
        timeout: 10_000,
      })
      await writer.evaluate(() => ((window as unknown as { __keyTimes: number[] }).__keyTimes.length = 0))
      for (let i = 0; i < keystrokes; i++) {
        await writer.keyboard.press('x')
        await reader.waitForFunction((n) => (window as unknown as { __seen: number[] }).__seen.length >= n, i + 1, {
          timeout: 10_000,
          polling: 2,
        })
      }
      const keyTimes = await writer.evaluate(() => (window as unknown as { __keyTimes: number[] }).__keyTimes)
      const seen = await reader.evaluate(() => (window as unknown as { __seen: number[] }).__seen)
      const latencies = seen.slice(0, keystrokes).map((t, i) => t - (keyTimes[i] ?? NaN))
      const result: BrowserResult = { keystrokes: latencies.length, latency: latencySummary(latencies), chromium: chromium.version() }
      ctx.log(
        `    browser: p50 ${fmt(result.latency.p50, 1)} ms, p95 ${fmt(result.latency.p95, 1)} ms over ${result.keystrokes} keystrokes`,
      )
      return shell.finish([{ target: 'tandem-app', rep: 0, ok: true, result, otherLoadBefore: NaN }], [])
    } finally {
      await chromium?.close().catch(() => {})
      await server.stop()
    }
  },
  tables(result): Table[] {
    const run = result.runs[0]
    if (!run?.ok)
      return [
        {
          title: 'Browser: keystroke → remote render',
          note: result.notes.join(' ') || run?.error,
          columns: ['result'],
          rows: [['not measured']],
        },
      ]
    const r = run.result as BrowserResult
    return [
      {
        title: `Browser: keystroke in one Chromium page → rendered in another (\`npm start\`, SQLite), ${r.keystrokes} keystrokes one at a time`,
        note: `Chromium ${r.chromium}, headless, both pages in one browser on this machine (unpinned).`,
        columns: ['p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'mean ms'],
        rows: [[fmt(r.latency.p50, 1), fmt(r.latency.p95, 1), fmt(r.latency.p99, 1), fmt(r.latency.max, 1), fmt(r.latency.mean, 1)]],
      },
    ]
  },
}
