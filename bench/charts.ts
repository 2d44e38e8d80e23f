/**
 * Charts for RESULTS.md, as SVG files rendered in Node by vega (no browser): for each scenario's
 * headline figure, every target side by side (Tandem in one colour, the peers in another), and
 * the history of Tandem's advantage over its best peer across full runs (bench/history.json).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { ScenarioResult } from './lib/harness'
import { okRuns } from './lib/harness'
import { spread } from './lib/stats'
import type { IdleResult, JoinStormResult, SteadyResult } from './load/jobs-types'
import type { ColdRun } from './scenarios/coldload'
import { maxDeliveries } from './scenarios/saturation'
import type { StartupResult } from './scenarios/startup'
import { TARGETS } from './targets/index'

/**
 * A vega-lite specification. Kept as plain data here: vega and vega-lite are the benchmark's own
 * dependencies (bench/package.json), loaded only to render, so this module — and the unit test of
 * its figures — type-checks and runs without bench/node_modules.
 */
export type TopLevelSpec = Record<string, unknown>

/** One scenario's headline figure: what is charted for every target. */
export interface Headline {
  /** File name (charts/<name>.svg) and history key. */
  readonly name: string
  readonly scenario: string
  readonly title: string
  readonly unit: string
  readonly lowerIsBetter: boolean
  value(result: unknown): number
}

export const HEADLINES: readonly Headline[] = [
  {
    name: 'fanout-p99',
    scenario: 'fanout',
    title: 'Fan-out: delivery latency p99',
    unit: 'ms',
    lowerIsBetter: true,
    value: (r) => (r as SteadyResult).steps[0]!.latency.p99,
  },
  {
    name: 'fanout-cpu',
    scenario: 'fanout',
    title: 'Fan-out: server CPU over the window',
    unit: 'CPU s',
    lowerIsBetter: true,
    value: (r) => (r as SteadyResult).steps[0]!.serverCpuSec,
  },
  {
    name: 'saturation',
    scenario: 'saturation',
    title: 'Saturation: most deliveries per second sustained',
    unit: 'deliveries/s',
    lowerIsBetter: false,
    value: (r) => maxDeliveries(r as SteadyResult),
  },
  {
    name: 'joinstorm-p50',
    scenario: 'joinstorm',
    title: 'Join storm: time to synced, p50',
    unit: 'ms',
    lowerIsBetter: true,
    value: (r) => (r as JoinStormResult).synced.p50,
  },
  {
    name: 'idle-per-connection',
    scenario: 'idle',
    title: 'Idle: memory per connection',
    unit: 'KB',
    lowerIsBetter: true,
    value: (r) => (r as IdleResult).perConnectionBytes / 1024,
  },
  {
    name: 'coldload-history',
    scenario: 'coldload',
    title: 'Cold load: 20,000-update history, time to synced',
    unit: 'ms',
    lowerIsBetter: true,
    value: (r) => (r as ColdRun).history.syncedMs,
  },
  {
    name: 'startup',
    scenario: 'startup',
    title: 'Start-up: spawn → /healthz 200',
    unit: 'ms',
    lowerIsBetter: true,
    value: (r) => (r as StartupResult).healthyMs,
  },
]

/** The Tandem configuration whose advantage is tracked across runs (the issue 5 targets use it too). */
export const TRACKED_TANDEM = 'tandem-sqlite'

export interface Bar {
  readonly target: string
  readonly label: string
  readonly tandem: boolean
  readonly median: number
  readonly min: number
  readonly max: number
}

export interface HeadlineFigures {
  readonly headline: Headline
  readonly bars: readonly Bar[]
  /**
   * Tandem (TRACKED_TANDEM) against its best peer, as "how many times better": the peer's median
   * ÷ Tandem's when lower is better, Tandem's ÷ the peer's otherwise. Above 1 Tandem leads; null
   * when either was not measured.
   */
  readonly advantage: number | null
}

/** Medians per target of every headline the results measured. */
export function headlineFigures(scenarios: Readonly<Record<string, ScenarioResult>>): HeadlineFigures[] {
  const figures: HeadlineFigures[] = []
  for (const headline of HEADLINES) {
    const result = scenarios[headline.scenario]
    if (!result) continue
    const bars: Bar[] = []
    for (const target of result.targets) {
      const values = okRuns<unknown>(result.runs, target)
        .map((run) => headline.value(run.result))
        .filter(Number.isFinite)
      const s = spread(values)
      if (s.n === 0) continue
      const spec = TARGETS[target]
      bars.push({ target, label: spec?.label ?? target, tandem: spec?.tandem ?? false, median: s.median, min: s.min, max: s.max })
    }
    if (bars.length === 0) continue
    figures.push({ headline, bars, advantage: advantageOf(headline, bars) })
  }
  return figures
}

function advantageOf(headline: Headline, bars: readonly Bar[]): number | null {
  const tandem = bars.find((bar) => bar.target === TRACKED_TANDEM)
  const peers = bars.filter((bar) => !bar.tandem).map((bar) => bar.median)
  if (!tandem || peers.length === 0 || tandem.median <= 0) return null
  const best = headline.lowerIsBetter ? Math.min(...peers) : Math.max(...peers)
  if (best <= 0) return null
  return headline.lowerIsBetter ? best / tandem.median : tandem.median / best
}

const TANDEM_COLOUR = '#1f6feb'
const PEER_COLOUR = '#8c959f'

/** Every target's median as a horizontal bar (min–max as a whisker), Tandem in blue. */
export function barChartSpec(figures: HeadlineFigures): TopLevelSpec {
  const { headline, bars } = figures
  const better = headline.lowerIsBetter ? 'shorter is better' : 'longer is better'
  const x = { field: 'median', type: 'quantitative', title: `${headline.unit} (median; ${better})` } as const
  const y = {
    field: 'label',
    type: 'nominal',
    sort: { field: 'median', op: 'min', order: headline.lowerIsBetter ? 'ascending' : 'descending' },
    title: null,
  } as const
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: headline.title, subtitle: 'Tandem in blue, the peers in grey; whiskers: min–max over repetitions' },
    width: 520,
    height: { step: 26 },
    background: 'white',
    data: { values: bars.map((bar) => ({ ...bar, who: bar.tandem ? 'Tandem' : 'peer' })) },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          y,
          color: {
            field: 'who',
            type: 'nominal',
            scale: { domain: ['Tandem', 'peer'], range: [TANDEM_COLOUR, PEER_COLOUR] },
            legend: null,
          },
        },
      },
      { mark: { type: 'rule', color: '#24292f' }, encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' }, y } },
      {
        mark: { type: 'text', align: 'left', dx: 4, baseline: 'middle', color: '#24292f' },
        encoding: { x: { field: 'max', type: 'quantitative' }, y, text: { field: 'median', type: 'quantitative', format: ',.3~r' } },
      },
    ],
  }
}

/** One entry of bench/history.json: a full run's advantages (see HeadlineFigures.advantage). */
export interface HistoryEntry {
  readonly startedAt: string
  readonly commit: string
  readonly advantages: Record<string, number>
}

export function historyEntry(startedAt: string, commit: string, figures: readonly HeadlineFigures[]): HistoryEntry {
  const advantages: Record<string, number> = {}
  for (const figure of figures) if (figure.advantage !== null) advantages[figure.headline.name] = Number(figure.advantage.toFixed(4))
  return { startedAt, commit, advantages }
}

export function readHistory(file: string): HistoryEntry[] {
  if (!fs.existsSync(file)) return []
  return JSON.parse(fs.readFileSync(file, 'utf8')) as HistoryEntry[]
}

/** Appends (or replaces, for the same run) an entry; the file stays sorted by start time. */
export function appendHistory(file: string, entry: HistoryEntry): HistoryEntry[] {
  const history = readHistory(file).filter((old) => old.startedAt !== entry.startedAt)
  history.push(entry)
  history.sort((a, b) => a.startedAt.localeCompare(b.startedAt))
  fs.writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`)
  return history
}

/** Tandem's advantage per headline across runs, on a log scale around the parity line at 1×. */
export function historyChartSpec(history: readonly HistoryEntry[]): TopLevelSpec {
  const titles = new Map(HEADLINES.map((h) => [h.name, h.title]))
  const values = history.flatMap((entry) =>
    Object.entries(entry.advantages).map(([name, advantage]) => ({
      run: `${entry.startedAt.slice(0, 10)} ${entry.commit.slice(0, 7)}`,
      figure: titles.get(name) ?? name,
      advantage,
    })),
  )
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${TARGETS[TRACKED_TANDEM]?.label ?? TRACKED_TANDEM} against its best peer, run by run`,
      subtitle: 'Above 1× Tandem leads (it is that many times better), below it trails',
    },
    width: 640,
    height: 300,
    background: 'white',
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'run', type: 'ordinal', title: 'full run (date, commit)', axis: { labelAngle: -30 } },
          y: { field: 'advantage', type: 'quantitative', scale: { type: 'log' }, title: 'advantage over the best peer (×, log scale)' },
          color: { field: 'figure', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2, labelLimit: 420 } },
        },
      },
      {
        data: { values: [{ parity: 1 }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#24292f' },
        encoding: { y: { field: 'parity', type: 'quantitative' } },
      },
    ],
  }
}

interface VegaModules {
  readonly vega: {
    parse(spec: unknown): unknown
    View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void }
  }
  readonly vegaLite: { compile(spec: unknown): { spec: unknown } }
}

/** Names in variables: the app's type check (which sees this file through its test) has no bench/node_modules. */
const VEGA = 'vega'
const VEGA_LITE = 'vega-lite'

/** vega and vega-lite from bench/node_modules (`npm ci --prefix bench`); rejects without them. */
export async function loadVega(): Promise<VegaModules> {
  const [vega, vegaLite] = await Promise.all([import(VEGA), import(VEGA_LITE)])
  return { vega, vegaLite } as VegaModules
}

/** A vega-lite spec as an SVG document (vega's own renderer, headless). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega()
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

export interface WrittenChart {
  readonly title: string
  /** Path relative to the directory of the Markdown that shows it. */
  readonly file: string
}

/**
 * Writes one SVG per headline measured, and the history chart when a history is given, into
 * `dir`; returns them with paths relative to `markdownDir`.
 */
export async function writeCharts(
  scenarios: Readonly<Record<string, ScenarioResult>>,
  dir: string,
  markdownDir: string,
  history?: readonly HistoryEntry[],
): Promise<WrittenChart[]> {
  fs.mkdirSync(dir, { recursive: true })
  const written: WrittenChart[] = []
  const save = async (name: string, title: string, spec: TopLevelSpec) => {
    const file = path.join(dir, `${name}.svg`)
    fs.writeFileSync(file, await renderSvg(spec))
    written.push({ title, file: path.relative(markdownDir, file) })
  }
  if (history && history.length > 0) await save('history', 'Tandem against its best peer, run by run', historyChartSpec(history))
  for (const figures of headlineFigures(scenarios)) await save(figures.headline.name, figures.headline.title, barChartSpec(figures))
  return written
}

/** The Markdown section that shows the charts. */
export function chartsMarkdown(charts: readonly WrittenChart[]): string {
  if (charts.length === 0) return ''
  const lines = [
    '## Charts',
    '',
    'Medians of this run per target (Tandem in blue), and Tandem’s advantage over its best peer across full runs.',
    '',
  ]
  for (const chart of charts) lines.push(`![${chart.title}](${chart.file})`, '')
  return lines.join('\n')
}
