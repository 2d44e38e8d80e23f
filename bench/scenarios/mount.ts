import fs from 'node:fs'
import type http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { findChromium, launchChromium } from '../../tests/helpers/browser'
import { closeServer, serveStatic } from '../../tests/helpers/static-server'
import { fmt, newDataDir, reps, type Scenario, scenarioShell, type Table, withTarget } from '../lib/harness'
import { bundleFromPackage, packedHostProject } from '../lib/package'
import { median } from '../lib/stats'
import { TARGETS } from '../targets/index'

/** Size of the document's text: the budget is for a 100 KB document. */
const DOC_CHARS = 100 * 1024
const BUDGET_MS = 300

export interface MountRun {
  /** mountTandem(...) returned (markup, editor and connection created). */
  readonly constructedMs: number
  /** The connection reported synced (the server's state received and applied to the Y.Doc). */
  readonly syncedMs: number
  /** The server's copy is in (synced), the editor is editable and shows the whole text. */
  readonly readyMs: number
  /** …and the browser painted it (the next animation frame after ready). */
  readonly paintedMs: number
}

/** Runs with one setting of mountTandem's `localCopy`. */
export interface MountSeries {
  readonly runs: readonly MountRun[]
  readonly median: MountRun
}

export interface MountResult {
  readonly docChars: number
  readonly docUpdateBytes: number
  /** mountTandem's default: the device copy (IndexedDB) is opened before the socket connects. */
  readonly withLocalCopy: MountSeries
  /** `localCopy: false`: the socket connects at once. */
  readonly withoutLocalCopy: MountSeries
  readonly chromium: string
  /** The machine's 1-minute load average after the runs (other processes slow the page too). */
  readonly loadAverage: number
}

/**
 * The host page's script: the package's mountTandem and the in-page measuring code (kept here,
 * compiled with the page, not passed through page.evaluate, so the loader's helpers stay out).
 */
const HOST_ENTRY = `
import { mountTandem } from 'tandem-editor'
import 'tandem-editor/style.css'

const element = () => document.getElementById('editor')

function until(ok, subscribe) {
  return new Promise((resolve) => {
    if (ok()) return resolve()
    const stop = subscribe(() => {
      if (ok()) {
        stop()
        resolve()
      }
    })
  })
}

/** Writes the document through the editor (no device copy); resolves once the server confirmed it. */
async function seed({ serverUrl, docId, html }) {
  const mounted = mountTandem(element(), { serverUrl, docId, user: { name: 'Seeder', color: '#2563eb' }, localCopy: false })
  const { connection, editor } = mounted
  await until(() => connection.synced.value, (f) => connection.synced.subscribe(f))
  editor.commands.setContent(html)
  await until(() => connection.saveState.value === 'saved' && connection.pendingChanges.value === 0, (f) => connection.saveState.subscribe(f))
  const chars = editor.state.doc.textContent.length
  mounted.destroy()
  return chars
}

/** One mount, timed from the mountTandem call. */
async function measure({ serverUrl, docId, chars, localCopy }) {
  const start = performance.now()
  const mounted = mountTandem(element(), { serverUrl, docId, user: { name: 'Reader', color: '#db2777' }, localCopy })
  const constructedMs = performance.now() - start
  const { connection, editor } = mounted
  let syncedMs = connection.synced.value ? constructedMs : NaN
  const stopSyncedClock = connection.synced.subscribe((synced) => {
    if (synced && Number.isNaN(syncedMs)) syncedMs = performance.now() - start
  })
  const ready = () => connection.synced.value && editor.isEditable && editor.state.doc.textContent.length >= chars
  const readyMs = await new Promise((resolve, reject) => {
    if (ready()) return resolve(performance.now() - start)
    const timer = setTimeout(() => reject(new Error('not ready after 30 s (' + editor.state.doc.textContent.length + ' chars)')), 30000)
    const check = () => {
      if (!ready()) return
      const at = performance.now() - start
      clearTimeout(timer)
      stopSynced()
      editor.off('transaction', check)
      resolve(at)
    }
    const stopSynced = connection.synced.subscribe(check)
    editor.on('transaction', check)
  })
  await new Promise((resolve) => requestAnimationFrame(resolve))
  const paintedMs = performance.now() - start
  stopSyncedClock()
  mounted.destroy()
  return { constructedMs, syncedMs, readyMs, paintedMs }
}

window.tandemBench = { seed, measure }
`

const HOST_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mount benchmark</title><link rel="stylesheet" href="/main.css"></head>
<body><div id="editor"></div><script type="module" src="/main.js"></script></body></html>`

const WORDS = 'the team notes agenda draft review budget ship plan owner risk launch follow decision metric design sprint'.split(' ')

/** ~DOC_CHARS of text in paragraphs (a heading every 25, some bold), deterministic. */
function documentHtml(): string {
  const parts: string[] = []
  let chars = 0
  for (let p = 0; chars < DOC_CHARS; p++) {
    const words: string[] = []
    for (let w = 0; w < 40; w++) words.push(WORDS[(p * 7 + w * 13 + ((p * w) % 5)) % WORDS.length]!)
    const text = `${p}. ${words.join(' ')}.`
    chars += text.length
    parts.push(p % 25 === 0 ? `<h2>${text}</h2>` : `<p><strong>${words[0]}</strong>${text.slice(words[0]!.length)}</p>`)
  }
  return parts.join('')
}

interface BenchWindow {
  tandemBench: {
    seed(args: { serverUrl: string; docId: string; html: string }): Promise<number>
    measure(args: { serverUrl: string; docId: string; chars: number; localCopy: boolean }): Promise<MountRun>
  }
}

/**
 * The mount-time budget: from `mountTandem(...)` to an editable editor showing a 100 KB document
 * synced from the server, in headless Chromium on localhost. The page is the packed package
 * bundled by esbuild (as in tests/e2e/mount.test.ts) on a plain static server; the server is
 * `tandem-sqlite`. Each run is a fresh browser context (empty IndexedDB, so the text comes from
 * the server, as on a first visit) with the bundle already loaded; the median is reported.
 */
export const mount: Scenario = {
  name: 'mount',
  title: 'mountTandem → editable, synced (100 KB document, Chromium)',
  async run(ctx) {
    const runsWanted = reps(ctx, 9, 5)
    const shell = scenarioShell(this.name, this.title, { docChars: DOC_CHARS, runs: runsWanted, budgetMs: BUDGET_MS }, [
      TARGETS['tandem-sqlite']!,
    ])
    const executablePath = findChromium()
    if (!executablePath) {
      ctx.log('    mount: no Chromium found (CHROME_PATH, /usr/bin/chromium); skipped')
      return shell.finish([], ['Skipped: no Chromium on this machine.'])
    }
    const project = await packedHostProject()
    const publicDir = newDataDir('mount-page')
    await bundleFromPackage(project, HOST_ENTRY, { write: true, outdir: publicDir })
    fs.writeFileSync(path.join(publicDir, 'index.html'), HOST_PAGE)
    let host: http.Server | undefined
    let chromium: Browser | null = null
    try {
      host = await serveStatic(publicDir, 0)
      const hostUrl = `http://127.0.0.1:${(host.address() as { port: number }).port}/`
      chromium = await launchChromium(executablePath)
      const browser = chromium
      const outcome = await withTarget(ctx, TARGETS['tandem-sqlite']!, async (target) => {
        const docId = `bench-mount-${Date.now().toString(36)}`
        const open = async () => {
          const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
          const page = await context.newPage()
          await page.goto(hostUrl)
          await page.waitForFunction(() => 'tandemBench' in window)
          return { page, close: () => context.close() }
        }
        const seeder = await open()
        const chars = await seeder.page.evaluate((args) => (window as unknown as BenchWindow).tandemBench.seed(args), {
          serverUrl: target.baseUrl,
          docId,
          html: documentHtml(),
        })
        await seeder.close()
        // The two settings alternate, so a busy spell on the machine hits both alike.
        const runs: Record<'on' | 'off', MountRun[]> = { on: [], off: [] }
        for (let i = 0; i < runsWanted; i++) {
          for (const localCopy of [true, false]) {
            const reader = await open()
            try {
              runs[localCopy ? 'on' : 'off'].push(
                await reader.page.evaluate((args) => (window as unknown as BenchWindow).tandemBench.measure(args), {
                  serverUrl: target.baseUrl,
                  docId,
                  chars,
                  localCopy,
                }),
              )
            } finally {
              await reader.close()
            }
          }
        }
        const docUpdateBytes = await fetch(`${target.httpUrl}/api/docs/${docId}/content?format=yjs`)
          .then((res) => (res.ok ? res.arrayBuffer().then((b) => b.byteLength) : NaN))
          .catch(() => NaN)
        return { chars, runs, docUpdateBytes }
      })
      const { chars, runs, docUpdateBytes } = outcome.value
      const series = (list: MountRun[]): MountSeries => ({
        runs: list,
        median: {
          constructedMs: median(list.map((r) => r.constructedMs)),
          syncedMs: median(list.map((r) => r.syncedMs)),
          readyMs: median(list.map((r) => r.readyMs)),
          paintedMs: median(list.map((r) => r.paintedMs)),
        },
      })
      const result: MountResult = {
        docChars: chars,
        docUpdateBytes,
        withLocalCopy: series(runs.on),
        withoutLocalCopy: series(runs.off),
        chromium: browser.version(),
        loadAverage: os.loadavg()[0]!,
      }
      ctx.log(
        `    mount: ${fmt(chars / 1024, 1)} KB of text; median ready ${fmt(result.withLocalCopy.median.readyMs, 0)} ms (localCopy: false ${fmt(result.withoutLocalCopy.median.readyMs, 0)} ms) over ${runsWanted} runs each`,
      )
      return shell.finish([{ target: 'tandem-sqlite', rep: 0, ok: true, result, otherLoadBefore: outcome.otherLoadBefore }], [])
    } finally {
      await chromium?.close().catch(() => {})
      await closeServer(host)
    }
  },
  tables(result): Table[] {
    const run = result.runs[0]
    if (!run?.ok) return [{ title: this.title, note: result.notes.join(' ') || run?.error, columns: ['result'], rows: [['not measured']] }]
    const r = run.result as MountResult
    const range = (series: MountSeries, pick: (m: MountRun) => number) => {
      const values = series.runs.map(pick)
      return `${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)}`
    }
    const steps: Array<[string, (m: MountRun) => number]> = [
      ['mountTandem returned', (m) => m.constructedMs],
      ['connection synced', (m) => m.syncedMs],
      ['synced, editable, whole text in the editor', (m) => m.readyMs],
      ['…painted (next frame)', (m) => m.paintedMs],
    ]
    const on = r.withLocalCopy
    const off = r.withoutLocalCopy
    return [
      {
        title: `mountTandem → editable and synced: a ${fmt(r.docChars / 1024, 0)} KB document (${fmt(r.docUpdateBytes / 1024, 0)} KB of Yjs state) from \`tandem-sqlite\` on localhost, median of ${on.runs.length} fresh pages each (target ≤ ${BUDGET_MS} ms with the defaults)`,
        note: `Chromium ${r.chromium}, headless, unpinned; the server pinned. Each run a fresh browser context (no device copy yet, as on a first visit), the bundle (the packed tandem-editor, esbuild) already loaded; times taken in the page from the mountTandem call. With the device copy (the default) the socket connects once IndexedDB has loaded. Load average ${fmt(r.loadAverage, 1)} on ${os.cpus().length} cores at the end.`,
        columns: ['step', 'default: median ms', 'range ms', 'localCopy: false: median ms', 'range ms'],
        rows: steps.map(([label, pick]) => [label, fmt(pick(on.median), 0), range(on, pick), fmt(pick(off.median), 0), range(off, pick)]),
      },
    ]
  },
}
