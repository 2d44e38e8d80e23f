import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  appendHistory,
  barChartSpec,
  chartsMarkdown,
  headlineFigures,
  historyEntry,
  loadVega,
  readHistory,
  renderSvg,
  writeCharts,
} from '../../bench/charts'
import type { RunRecord, ScenarioResult } from '../../bench/lib/harness'
import { makeTempDir, removeDir } from '../helpers/temp-dir'

function scenario(name: string, perTarget: Record<string, unknown[]>): ScenarioResult {
  const runs: RunRecord[] = Object.entries(perTarget).flatMap(([target, results]) =>
    results.map((result, rep) => ({ target, rep, ok: true, result, otherLoadBefore: 0 })),
  )
  return { name, title: name, params: {}, targets: Object.keys(perTarget), runs, notes: [], startedAt: '', durationSec: 0 }
}

const startup = (ms: number) => ({ healthyMs: ms, listeningMs: ms - 5, cpuMs: ms, rssBytes: 1 })
const idle = (kb: number) => ({ perConnectionBytes: kb * 1024 })

/** Start-up (lower is better): Tandem 100 ms against a best peer at 150; idle: Tandem 10 KB against 8. */
const SCENARIOS: Record<string, ScenarioResult> = {
  startup: scenario('startup', {
    'tandem-sqlite': [startup(90), startup(100), startup(130)],
    'tandem-memory': [startup(95), startup(97), startup(99)],
    reference: [startup(200), startup(210), startup(190)],
    hocuspocus: [startup(150), startup(160), startup(140)],
  }),
  idle: scenario('idle', {
    'tandem-sqlite': [idle(10), idle(10)],
    'bare-ws': [idle(8), idle(8)],
    reference: [idle(9), idle(9)],
  }),
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir)
})

describe('bench charts', () => {
  it('charts the median of every target, each Tandem configuration marked as such', () => {
    const figures = headlineFigures(SCENARIOS)
    const start = figures.find((f) => f.headline.name === 'startup')!
    expect(start.bars.map((bar) => [bar.target, bar.median, bar.min, bar.max, bar.tandem])).toEqual([
      ['tandem-sqlite', 100, 90, 130, true],
      ['tandem-memory', 97, 95, 99, true],
      ['reference', 200, 190, 210, false],
      ['hocuspocus', 150, 140, 160, false],
    ])
    const spec = barChartSpec(start) as { data: { values: Array<{ who: string }> } }
    expect(spec.data.values.map((v) => v.who)).toEqual(['Tandem', 'Tandem', 'peer', 'peer'])
  })

  it('measures the advantage against the best peer, above 1 when Tandem leads', () => {
    const figures = headlineFigures(SCENARIOS)
    // Lower is better: the best peer (Hocuspocus, 150 ms) ÷ Tandem (100 ms).
    expect(figures.find((f) => f.headline.name === 'startup')!.advantage).toBeCloseTo(1.5, 10)
    // Tandem trails: the best peer (bare ws, 8 KB) ÷ Tandem (10 KB).
    expect(figures.find((f) => f.headline.name === 'idle-per-connection')!.advantage).toBeCloseTo(0.8, 10)
  })

  it('keeps one history entry per full run, in time order', () => {
    const dir = makeTempDir()
    dirs.push(dir)
    const file = path.join(dir, 'history.json')
    const figures = headlineFigures(SCENARIOS)
    appendHistory(file, historyEntry('2026-12-02T10:00:00.000Z', 'bbbbbbb', figures))
    appendHistory(file, historyEntry('2026-11-01T10:00:00.000Z', 'aaaaaaa', figures))
    // The same run again (a re-render) replaces its entry.
    const history = appendHistory(file, historyEntry('2026-12-02T10:00:00.000Z', 'bbbbbbb', figures))
    expect(history.map((entry) => entry.commit)).toEqual(['aaaaaaa', 'bbbbbbb'])
    expect(readHistory(file)).toEqual(history)
    expect(history[1]!.advantages).toEqual({ startup: 1.5, 'idle-per-connection': 0.8 })
  })

  it('renders valid SVG with one bar per target, and the history chart', async (context) => {
    try {
      await loadVega()
    } catch {
      console.warn('bench-charts: vega is not installed (npm ci --prefix bench); the SVG rendering is not tested')
      context.skip()
    }
    const svg = await renderSvg(barChartSpec(headlineFigures(SCENARIOS).find((f) => f.headline.name === 'startup')!))
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    // vega draws each bar as a path with role "graphics-symbol" and its tooltip-free aria label.
    const bars = svg.match(/<path[^>]*aria-roledescription="bar"/g) ?? []
    expect(bars).toHaveLength(4)
    for (const label of ['Tandem (SQLite)', 'Tandem (memory)', 'y-websocket-server', 'Hocuspocus']) expect(svg).toContain(label)

    const dir = makeTempDir()
    dirs.push(dir)
    const history = [historyEntry('2026-12-02T10:00:00.000Z', 'bbbbbbb', headlineFigures(SCENARIOS))]
    const charts = await writeCharts(SCENARIOS, path.join(dir, 'charts'), dir, history)
    expect(charts.map((chart) => chart.file)).toEqual(['charts/history.svg', 'charts/idle-per-connection.svg', 'charts/startup.svg'])
    for (const chart of charts) expect(fs.readFileSync(path.join(dir, chart.file), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
    expect(chartsMarkdown(charts)).toContain('![Start-up: spawn → /healthz 200](charts/startup.svg)')
  }, 60_000)
})
