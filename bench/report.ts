/**
 * Renders bench/RESULTS.md from a results JSON (bench/out/*.json). Run on its own to
 * re-render: `node --import tsx bench/report.ts bench/out/latest.json bench/RESULTS.md`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chartsMarkdown, readHistory, type WrittenChart, writeCharts } from './charts'
import { fmt, fmtRatio, fmtSpread, metricSpread, okRuns, pairedRatio, type RunRecord, type ScenarioResult, type Table } from './lib/harness'
import { type Spread, spread } from './lib/stats'
import type { IdleResult, JoinStormResult, SteadyResult } from './load/jobs-types'
import { CLUSTER, clusterRatios } from './scenarios/cluster'
import type { ColdRun } from './scenarios/coldload'
import { scenarioByName } from './scenarios/index'
import { type PresenceCaseResult, presenceRuns } from './scenarios/presence'
import { maxDeliveries, RAMP, saturationOf } from './scenarios/saturation'

export interface Machine {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly kernel: string
  readonly loadAverageAtStart: readonly number[]
}

export interface BenchResults {
  readonly version: 1
  readonly mode: 'full' | 'quick' | 'partial'
  readonly command: string
  readonly startedAt: string
  readonly durationSec: number
  readonly machine: Machine
  readonly git: { readonly commit: string; readonly dirty: readonly string[] }
  /** Which Tandem was measured: the working tree, or a snapshot of a git ref. */
  readonly tandemSource?: string
  readonly pin: { readonly server?: string; readonly generator?: string }
  readonly nice?: number
  readonly setup: readonly string[]
  readonly scenarios: Record<string, ScenarioResult>
}

function table(t: Table): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|')
  const lines = [`#### ${t.title}`, '']
  if (t.note) lines.push(`${t.note}`, '')
  lines.push(`| ${t.columns.map(escapeCell).join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`)
  for (const row of t.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`)
  lines.push('')
  return lines.join('\n')
}

const BEST_ANCHORS = ['reference', 'hocuspocus', 'hocuspocus-sqlite']

/** Tandem ÷ the best anchor of the same repetition (smallest value when lower is better, largest otherwise). */
function ratioToBest<R>(
  runs: readonly RunRecord[],
  tandem: string,
  anchors: readonly string[],
  metric: (r: R) => number,
  lowerIsBetter: boolean,
): Spread {
  const ratios: number[] = []
  for (const run of okRuns<R>(runs, tandem)) {
    const values = anchors
      .map((a) => okRuns<R>(runs, a).find((r) => r.rep === run.rep))
      .filter((r): r is NonNullable<typeof r> => r !== undefined)
      .map((r) => metric(r.result))
      .filter(Number.isFinite)
    if (values.length === 0) continue
    const best = lowerIsBetter ? Math.min(...values) : Math.max(...values)
    if (best > 0) ratios.push(metric(run.result) / best)
  }
  return spread(ratios)
}

function verdict(value: Spread, ok: (v: number) => boolean): string {
  if (value.n === 0) return 'not measured'
  return ok(value.median) ? 'met' : 'NOT met'
}

/** The targets of issue 5 (Tandem with SQLite), each with the figure measured in this run. */
function targetRows(results: BenchResults): string[][] {
  const rows: string[][] = []
  const s = results.scenarios
  const T = 'tandem-sqlite'
  if (s.fanout) {
    const cpu = pairedRatio<SteadyResult>(s.fanout.runs, T, 'bare-ws', (r) => r.steps[0]!.serverCpuSec)
    rows.push(['fan-out CPU ≤ 1.5× bare ws', fmtRatio(cpu), verdict(cpu, (v) => v <= 1.5)])
    const p99 = ratioToBest<SteadyResult>(s.fanout.runs, T, BEST_ANCHORS, (r) => r.steps[0]!.latency.p99, true)
    rows.push(['fan-out p99 ≤ ½ best anchor (reference, Hocuspocus, Hocuspocus + SQLite)', fmtRatio(p99), verdict(p99, (v) => v <= 0.5)])
    const lost = metricSpread<SteadyResult>(s.fanout.runs, T, (r) => r.steps[0]!.expected - r.steps[0]!.delivered)
    rows.push(['fan-out: nothing lost', `${fmtSpread(lost, 0)} lost`, lost.n === 0 ? 'not measured' : lost.max === 0 ? 'met' : 'NOT met'])
  }
  if (s.saturation) {
    const ratio = ratioToBest<SteadyResult>(s.saturation.runs, T, BEST_ANCHORS, maxDeliveries, false)
    const generatorBound = okRuns<SteadyResult>(s.saturation.runs, T).some((run) => saturationOf(run.result).generatorLimited)
    rows.push([
      'saturation ≥ 2× best anchor',
      `${fmtRatio(ratio)}${generatorBound ? ' (Tandem run generator-bound: a floor)' : ''}`,
      verdict(ratio, (v) => v >= 2),
    ])
  }
  if (s.presence) {
    for (const [caseName, label] of [
      ['one-document', '500 clients in one document'],
      ['many-documents', '2,000 clients over 200 documents'],
    ] as const) {
      const runs = presenceRuns(s.presence, caseName)
      const cpu = metricSpread<PresenceCaseResult>(runs, T, (r) => r.serverCpuUtil * 100)
      rows.push([`presence (${label}): < 50% of a core`, fmtSpread(cpu, 0, '%'), verdict(cpu, (v) => v < 50)])
      const seen = metricSpread<PresenceCaseResult>(runs, T, (r) => r.seenByAll.p99)
      const max = metricSpread<PresenceCaseResult>(runs, T, (r) => r.seenByAll.max)
      rows.push([
        `presence (${label}): each caret seen by all within 100 ms`,
        `p99 ${fmtSpread(seen, 1, ' ms')}, max ${fmtSpread(max, 1, ' ms')}`,
        verdict(seen, (v) => v <= 100),
      ])
    }
  }
  if (s.joinstorm) {
    const p50 = metricSpread<JoinStormResult>(s.joinstorm.runs, T, (r) => r.synced.p50)
    const rss = metricSpread<JoinStormResult>(s.joinstorm.runs, T, (r) => r.peakRssBytes / 1024 / 1024)
    const floor = metricSpread<JoinStormResult>(s.joinstorm.runs, 'bare-ws', (r) => r.synced.p50)
    rows.push([
      'join storm p50 ≤ 0.5 s',
      `${fmtSpread(p50, 0, ' ms')}${floor.n ? ` (the floor here — bare relay sending fixed bytes — is ${fmtSpread(floor, 0, ' ms')})` : ''}`,
      verdict(p50, (v) => v <= 500),
    ])
    rows.push(['join storm peak RSS ≤ 400 MB', fmtSpread(rss, 0, ' MB'), verdict(rss, (v) => v <= 400)])
  }
  if (s.idle) {
    const ratio = pairedRatio<IdleResult>(s.idle.runs, T, 'bare-ws', (r) => r.perConnectionBytes)
    rows.push(['idle ≤ 1.05× bare ws bytes per connection', fmtRatio(ratio), verdict(ratio, (v) => v <= 1.05)])
  }
  if (s.durability) {
    const sat = (s.durability.data?.saturationRuns ?? []) as RunRecord[]
    const keep = pairedRatio<SteadyResult>(sat, T, 'tandem-memory', maxDeliveries)
    rows.push(['SQLite keeps ≥ 85% of memory-storage throughput', fmtRatio(keep), verdict(keep, (v) => v >= 0.85)])
    const amp = metricSpread<SteadyResult>(s.durability.runs, T, (r) => r.io?.amplification ?? NaN)
    rows.push(['write amplification ≤ 1.2×', fmtSpread(amp, 2, '×'), verdict(amp, (v) => v <= 1.2)])
  }
  if (s.coldload) {
    const history = metricSpread<ColdRun>(s.coldload.runs, T, (r) => r.history.syncedMs)
    const large = metricSpread<ColdRun>(s.coldload.runs, T, (r) => r.large.syncedMs)
    rows.push(['cold load of the 20,000-update history ≤ 50 ms', fmtSpread(history, 1, ' ms'), verdict(history, (v) => v <= 50)])
    rows.push(['a 1 MB document ≤ 100 ms cold', fmtSpread(large, 1, ' ms'), verdict(large, (v) => v <= 100)])
  }
  if (s.browser?.runs[0]?.ok) {
    const r = s.browser.runs[0].result as { latency: { p50: number } }
    rows.push(['browser keystroke → remote render p50 ≤ 30 ms', `${fmt(r.latency.p50, 1)} ms`, r.latency.p50 <= 30 ? 'met' : 'NOT met'])
  }
  if (s.mount?.runs[0]?.ok) {
    const ready = (s.mount.runs[0].result as { withLocalCopy: { median: { readyMs: number } } }).withLocalCopy.median.readyMs
    rows.push([
      'mountTandem → editable, synced 100 KB document (Chromium) median ≤ 300 ms',
      `${fmt(ready, 0)} ms`,
      ready <= 300 ? 'met' : 'NOT met',
    ])
  }
  return rows
}

/** The durability anchors: servers that store what they relay. */
const STORING_ANCHORS = ['reference-leveldb', 'hocuspocus-sqlite']

/**
 * The targets of issue 14 (the write path and the footprint), for Tandem on SQLite and on
 * PostgreSQL where the scenario runs it, each a ratio pair by pair within this run.
 */
function writePathRows(results: BenchResults): string[][] {
  const rows: string[][] = []
  const s = results.scenarios
  const tandems = [
    ['tandem-sqlite', 'SQLite'],
    ['tandem-postgres', 'PostgreSQL'],
  ] as const
  const durability = s.durability
  if (durability) {
    const amplification = (r: SteadyResult) => r.io?.amplification ?? Number.NaN
    const amp = metricSpread<SteadyResult>(durability.runs, 'tandem-sqlite', amplification)
    const ratio = ratioToBest<SteadyResult>(durability.runs, 'tandem-sqlite', STORING_ANCHORS, amplification, true)
    const anchors = STORING_ANCHORS.map((a) => `${a} ${fmtSpread(metricSpread<SteadyResult>(durability.runs, a, amplification), 2, '×')}`)
    rows.push([
      'write amplification (SQLite) ≤ the best storing anchor’s',
      `${fmtSpread(amp, 2, '×')}, ${fmtRatio(ratio)} the best anchor (${anchors.join(', ')})`,
      verdict(ratio, (v) => v <= 1),
    ])
  }
  for (const [target, label] of tandems) {
    if (s.saturation && okRuns(s.saturation.runs, target).length) {
      const ratio = ratioToBest<SteadyResult>(s.saturation.runs, target, BEST_ANCHORS, maxDeliveries, false)
      const generatorBound = okRuns<SteadyResult>(s.saturation.runs, target).some((run) => saturationOf(run.result).generatorLimited)
      rows.push([
        `saturation (${label}) ≥ 1.5× the best anchor`,
        `${fmtRatio(ratio)}${generatorBound ? ' (generator-bound: a floor)' : ''}`,
        verdict(ratio, (v) => v >= 1.5),
      ])
    }
    if (s.fanout && okRuns(s.fanout.runs, target).length) {
      const cpu = pairedRatio<SteadyResult>(s.fanout.runs, target, 'reference', (r) => r.steps[0]!.serverCpuSec)
      rows.push([`fan-out CPU (${label}) ≤ the reference server’s`, fmtRatio(cpu), verdict(cpu, (v) => v <= 1)])
    }
  }
  if (s.idle) {
    const ratio = pairedRatio<IdleResult>(s.idle.runs, 'tandem-sqlite', 'reference', (r) => r.perConnectionBytes)
    const connections = Number(s.idle.params.connections ?? 10_000)
    rows.push([
      `idle (${fmt(connections, 0)} connections) ≤ 1.0× the reference server per connection`,
      fmtRatio(ratio),
      verdict(ratio, (v) => v <= 1),
    ])
  }
  if (s.startup) {
    const healthy = (r: { healthyMs: number }) => r.healthyMs
    const ms = metricSpread<{ healthyMs: number }>(s.startup.runs, 'tandem-sqlite', healthy)
    const ratio = pairedRatio<{ healthyMs: number }>(s.startup.runs, 'tandem-sqlite', 'reference', healthy)
    rows.push([
      'server start (spawn → /healthz 200) ≤ 150 ms',
      `${fmtSpread(ms, 0, ' ms')}, ${fmtRatio(ratio)} the reference server`,
      verdict(ms, (v) => v <= 150),
    ])
  }
  return rows
}

/** The PostgreSQL and cluster targets: Tandem on PostgreSQL against SQLite, three instances against one. */
function postgresRows(results: BenchResults): string[][] {
  const rows: string[][] = []
  const s = results.scenarios
  if (s.saturation) {
    const ratio = pairedRatio<SteadyResult>(s.saturation.runs, 'tandem-postgres', 'tandem-sqlite', maxDeliveries)
    const pgRuns = okRuns<SteadyResult>(s.saturation.runs, 'tandem-postgres')
    const generatorBound = pgRuns.some((run) => saturationOf(run.result).generatorLimited)
    // A run that failed the first step has no maximum: its ratio 0 only says "below the first step".
    const belowFirst = pgRuns.filter((run) => !saturationOf(run.result).best).length
    rows.push([
      'saturation: PostgreSQL ≥ 0.8× SQLite (max sustained deliveries/s)',
      `${fmtRatio(ratio)}${generatorBound ? ' (PostgreSQL run generator-bound: a floor)' : ''}` +
        (belowFirst ? ` (${belowFirst} of ${pgRuns.length} PostgreSQL runs failed the first step, ${RAMP[0]}/s per client, already)` : ''),
      verdict(ratio, (v) => v >= 0.8),
    ])
  }
  if (s.fanout) {
    const p99 = pairedRatio<SteadyResult>(s.fanout.runs, 'tandem-postgres', 'tandem-sqlite', (r) => r.steps[0]!.latency.p99)
    if (p99.n) rows.push(['fan-out p99, PostgreSQL ÷ SQLite (no target)', fmtRatio(p99), ''])
  }
  if (s.cluster) {
    const ratios = clusterRatios(s.cluster)
    const failed = s.cluster.runs.filter((run) => !run.ok && run.target === CLUSTER)
    const why = failed.length && ratios.p99.n === 0 ? ` (${(failed[0]!.error ?? '').split('\n')[0]!.slice(0, 120)})` : ''
    rows.push([
      'cluster: cross-instance p99 ≤ 2× single-instance p99 (both on PostgreSQL)',
      `${fmtRatio(ratios.p99)}${why}`,
      verdict(ratios.p99, (v) => v <= 2),
    ])
    rows.push([
      'cluster: server CPU per delivery ≤ 1.3× single instance',
      `${fmtRatio(ratios.cpu)}${ratios.cpuAll.n ? `; with PostgreSQL and Redis CPU: ${fmtRatio(ratios.cpuAll)}` : ''}`,
      verdict(ratios.cpu, (v) => v <= 1.3),
    ])
  }
  return rows
}

/** `charts`: SVGs written for this run (bench/charts.ts), shown after the target tables. */
export function renderResults(results: BenchResults, charts: readonly WrittenChart[] = []): string {
  const m = results.machine
  const out: string[] = []
  out.push('# Tandem benchmark results', '')
  out.push(
    `Generated by \`${results.command}\` (${results.mode} run) on ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC in ` +
      `${fmt(results.durationSec / 60, 1)} min from the JSON it wrote to \`bench/out/\` (not committed); ` +
      're-render with `node --import tsx bench/report.ts <json> <md>`. Cells are "median (min–max)" over repetitions.',
    '',
  )
  out.push('## Machine', '')
  out.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; memory ${fmt(m.memoryGiB, 1)} GiB; Linux ${m.kernel}; Node ${m.node}`)
  out.push(
    `- Load average when the run started: ${m.loadAverageAtStart.map((v) => v.toFixed(2)).join(', ')} (the machine is shared; every run records the CPU other processes used — "other cores")`,
  )
  const source = results.tandemSource ?? 'working tree'
  out.push(
    `- Tandem measured: ${source === 'working tree' ? 'the working tree' : source}; repository HEAD \`${results.git.commit.slice(0, 12)}\`` +
      (source === 'working tree'
        ? results.git.dirty.length
          ? `, with uncommitted changes in: ${results.git.dirty.join(', ')}`
          : ', no uncommitted changes under server/ and lib/'
        : ''),
  )
  out.push(
    `- Pinning: servers on CPU ${results.pin.server ?? '(any)'}, the load generator on CPU ${results.pin.generator ?? '(any)'} (\`taskset\`), so each has its own core; ` +
      "a server's helper threads (GC, libuv pool, LevelDB) share its core." +
      (results.nice ? ` Servers and generators ran at niceness ${results.nice}.` : ''),
    '',
  )
  out.push('## Setup', '')
  for (const line of results.setup) out.push(`- ${line}`)
  out.push('')
  const rows = targetRows(results)
  if (rows.length) {
    out.push('## Issue 5 targets (Tandem with SQLite, ratios pair by pair within this run)', '')
    out.push(table({ title: 'Targets', columns: ['target', 'measured', ''], rows }))
  }
  const writeRows = writePathRows(results)
  if (writeRows.length) {
    out.push('## Issue 14 targets: the write path and the footprint (ratios pair by pair within this run)', '')
    out.push(table({ title: 'Write path and footprint targets', columns: ['target', 'measured', ''], rows: writeRows }))
  }
  const pgRows = postgresRows(results)
  if (pgRows.length) {
    out.push('## PostgreSQL and cluster targets (ratios pair by pair within this run)', '')
    out.push(table({ title: 'PostgreSQL and cluster targets', columns: ['target', 'measured', ''], rows: pgRows }))
  }
  const chartSection = chartsMarkdown(charts)
  if (chartSection) out.push(chartSection)
  for (const [name, result] of Object.entries(results.scenarios)) {
    const scenario = scenarioByName(name)
    if (!scenario) continue
    out.push(`## ${result.title}`, '')
    const repeated = result.runs.filter((run) => (run.attempts ?? 1) > 1).length
    const failed = result.runs.filter((run) => !run.ok).length
    out.push(
      `_${result.runs.length} runs in ${fmt(result.durationSec, 0)} s` +
        (repeated ? `; ${repeated} repeated because other processes were busy during the window (the quieter attempt is kept)` : '') +
        (failed ? `; ${failed} failed` : '') +
        '._',
      '',
    )
    const counters = result.runs.filter((run) => run.tandemCounters && Object.keys(run.tandemCounters).length > 0)
    if (counters.length) {
      out.push(
        `Tandem limit counters after the runs: ${counters
          .map(
            (run) =>
              `${run.target} rep ${run.rep + 1}: ${Object.entries(run.tandemCounters!)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}`,
          )
          .join('; ')}.`,
        '',
      )
    }
    for (const note of result.notes) out.push(note, '')
    for (const t of scenario.tables(result)) out.push(table(t))
  }
  return out.join('\n')
}

async function main(): Promise<void> {
  const [input, output] = process.argv.slice(2)
  if (!input) {
    console.error('usage: node --import tsx bench/report.ts <results.json> [RESULTS.md]')
    process.exit(2)
  }
  const results = JSON.parse(fs.readFileSync(input, 'utf8')) as BenchResults
  if (!output) return void process.stdout.write(renderResults(results))
  // The charts go beside the Markdown (charts/), drawn with the history as it is now.
  const dir = path.dirname(output)
  const history = readHistory(path.join(path.dirname(fileURLToPath(import.meta.url)), 'history.json'))
  const charts = await writeCharts(results.scenarios, path.join(dir, 'charts'), dir, history)
  fs.writeFileSync(output, renderResults(results, charts))
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main()
