import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Job, JobResult } from '../load/jobs-types'
import { runJob } from '../load/run-job'
import type { RunningTarget, TargetResources, TargetSpec } from '../targets/spawn'
import { isAlive, machineBusySeconds } from './proc'
import { type Spread, spread } from './stats'

/** What every scenario gets from the harness. */
export interface BenchContext {
  readonly quick: boolean
  readonly outDir: string
  readonly fixturesDir: string
  /** CPU lists for `taskset -c`: the server on one core, the load generator on the other. */
  readonly pin: { readonly server?: string; readonly generator?: string }
  /** Niceness for servers and generators (0: unchanged). */
  readonly nice: number
  readonly repsOverride?: number
  /** Only these targets (all when undefined). */
  readonly targetFilter?: ReadonlySet<string>
  /** Longest wait for the machine to be quiet before a run. */
  readonly quietMaxMs: number
  /** Results of scenarios already run in this invocation (durability reuses saturation). */
  readonly previous: Record<string, ScenarioResult | undefined>
  log(message: string): void
}

/** One (target, repetition) measurement as stored in the JSON. */
export interface RunRecord<R = unknown> {
  readonly target: string
  readonly rep: number
  readonly ok: boolean
  readonly error?: string
  readonly result?: R
  /** CPU cores other processes were using just before the run (the machine is shared). */
  readonly otherLoadBefore: number
  /** Tandem only: its limit counters after the run (a benchmark should hit none but the expected ones). */
  readonly tandemCounters?: Record<string, number>
  readonly serverExit?: string
  /** The last lines the server printed (warnings and errors only: Tandem logs at warn). */
  readonly serverLog?: string
  /** Cores other processes used during the measurement window (when the scenario measures it). */
  readonly disturbance?: number
  /** Attempts made (more than one when a run was disturbed by other processes). */
  readonly attempts?: number
}

export interface Table {
  readonly title: string
  readonly note?: string
  readonly columns: readonly string[]
  readonly rows: ReadonlyArray<readonly string[]>
}

export interface ScenarioResult {
  readonly name: string
  readonly title: string
  readonly params: Record<string, unknown>
  readonly targets: readonly string[]
  readonly runs: RunRecord[]
  /** Extra material (e.g. a profile summary, bundle sizes), scenario-specific. */
  readonly data?: Record<string, unknown>
  readonly notes: string[]
  readonly startedAt: string
  readonly durationSec: number
}

export interface Scenario {
  readonly name: string
  readonly title: string
  run(ctx: BenchContext): Promise<ScenarioResult>
  /** Tables for RESULTS.md, from the stored result only. */
  tables(result: ScenarioResult): Table[]
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Waits (bounded) until other processes use less than a quarter of a core, so a run does not
 * start in the middle of someone else's burst; returns the load measured last.
 */
export async function waitForQuiet(maxMs: number): Promise<number> {
  const deadline = Date.now() + maxMs
  let load = 0
  for (;;) {
    const before = machineBusySeconds()
    const own = process.cpuUsage()
    await sleep(1_000)
    const ownUsed = process.cpuUsage(own)
    load = machineBusySeconds() - before - (ownUsed.user + ownUsed.system) / 1e6
    if (load < 0.25 || Date.now() >= deadline) return Math.max(0, load)
  }
}

export function targetsFor(ctx: BenchContext, names: readonly string[], all: Readonly<Record<string, TargetSpec>>): TargetSpec[] {
  return names.filter((name) => !ctx.targetFilter || ctx.targetFilter.has(name)).map((name) => all[name]!)
}

export function reps(ctx: BenchContext, full: number, quick: number): number {
  return ctx.repsOverride ?? (ctx.quick ? quick : full)
}

export async function tandemCounters(target: RunningTarget): Promise<Record<string, number> | undefined> {
  if (!target.spec.tandem) return undefined
  try {
    const response = await fetch(`${target.httpUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
    const text = await response.text()
    const counters: Record<string, number> = {}
    for (const match of text.matchAll(
      /^(tandem_limit_hits_total|tandem_connections_rejected_total)\{(?:kind|reason)="([^"]+)"\} (\d+(?:\.\d+)?)/gm,
    )) {
      const value = Number(match[3])
      if (value > 0) counters[`${match[1] === 'tandem_limit_hits_total' ? 'limit' : 'rejected'}:${match[2]}`] = value
    }
    return counters
  } catch {
    return undefined
  }
}

/** Temporary directories made by this harness; any still there when it exits are removed. */
const tempDirs = new Set<string>()
let tempCleanupInstalled = false

export function newDataDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tandem-bench-${label}-`))
  tempDirs.add(dir)
  if (!tempCleanupInstalled) {
    tempCleanupInstalled = true
    process.once('exit', () => {
      for (const leftover of tempDirs) fs.rmSync(leftover, { recursive: true, force: true })
    })
  }
  return dir
}

export interface TargetRunOptions {
  /** Use this directory (kept afterwards) instead of a fresh temporary one. */
  readonly dataDir?: string
  readonly nodeArgs?: readonly string[]
  /** Extra environment for the server. */
  readonly env?: Readonly<Record<string, string>>
  /** Do not pin the server (the CPU profile: V8's sampling thread needs a core of its own). */
  readonly unpinned?: boolean
  /** Skip the wait for a quiet machine (e.g. right after a restart). */
  readonly noQuiet?: boolean
}

/** The last lines a server printed, without its start-up banner (Tandem logs warnings and errors only). */
export function serverLogOf(target: RunningTarget): string {
  return target
    .output()
    .split('\n')
    .filter((line) => line && !/^LISTENING|Tandem sync server on|OPEN MODE|^Persisting documents/.test(line))
    .slice(-20)
    .join('\n')
    .slice(-3_000)
}

/**
 * Starts a target (pinned), runs `fn` against it, reads Tandem's counters, stops it, and
 * removes its data unless the directory was given. Never leaves the process running.
 */
export async function withTarget<T>(
  ctx: BenchContext,
  spec: TargetSpec,
  fn: (target: RunningTarget) => Promise<T>,
  options: TargetRunOptions = {},
): Promise<{ value: T; otherLoadBefore: number; tandemCounters?: Record<string, number>; serverExit: string; serverLog: string }> {
  const otherLoadBefore = options.noQuiet ? 0 : await waitForQuiet(ctx.quietMaxMs)
  const dataDir = options.dataDir ?? newDataDir(spec.name)
  let target: RunningTarget | null = null
  let resources: TargetResources | null = null
  try {
    // Resources outside the data directory (a PostgreSQL database) live for this one run.
    resources = spec.prepare ? await spec.prepare() : null
    target = await spec.start({
      dataDir,
      cpus: options.unpinned ? undefined : ctx.pin.server,
      nodeArgs: options.nodeArgs,
      nice: ctx.nice,
      env: { ...resources?.env, ...options.env },
    })
    const value = await fn(target)
    if (!isAlive(target.pid)) throw new Error(`${spec.name} died during the run:\n${target.output().slice(-2_000)}`)
    const counters = await tandemCounters(target)
    const exit = await target.stop()
    const serverLog = serverLogOf(target)
    return { value, otherLoadBefore, tandemCounters: counters, serverExit: String(exit.code ?? exit.signal), serverLog }
  } finally {
    try {
      if (target) await target.stop()
      if (resources) await resources.release()
    } finally {
      if (!options.dataDir) {
        fs.rmSync(dataDir, { recursive: true, force: true })
        tempDirs.delete(dataDir)
      }
    }
  }
}

/** Runs a job in a fresh generator process pinned to the generator's core. */
export async function job<R extends JobResult>(ctx: BenchContext, spec: Job, timeoutMs: number): Promise<R> {
  const outcome = await runJob<R>(spec, { timeoutMs, cpus: ctx.pin.generator, nice: ctx.nice, onLog: (line) => ctx.log(`      ${line}`) })
  return outcome.result
}

/** Other processes using more than this many cores during a window make a run "disturbed". */
export const DISTURBED_CORES = 0.4

export type Outcome<R> = {
  value: R
  otherLoadBefore: number
  tandemCounters?: Record<string, number>
  serverExit?: string
  serverLog?: string
}

/**
 * Repetitions × targets, the target order rotated every repetition (so no target always runs
 * first or right after the same neighbour). A failed run is recorded, not fatal. The machine is
 * shared: when `interference` says other processes used more than DISTURBED_CORES during the
 * measurement, the run is repeated (at most `retries` times) and the least disturbed attempt kept.
 */
export async function repeat<R>(
  ctx: BenchContext,
  count: number,
  targets: readonly TargetSpec[],
  label: string,
  fn: (spec: TargetSpec, rep: number) => Promise<Outcome<R>>,
  describe: (result: R) => string,
  interference?: (result: R) => number,
): Promise<RunRecord<R>[]> {
  const runs: RunRecord<R>[] = []
  const retries = ctx.quick ? 0 : 1
  for (let rep = 0; rep < count; rep++) {
    for (let i = 0; i < targets.length; i++) {
      const spec = targets[(i + rep) % targets.length]!
      const started = Date.now()
      let kept: { outcome: Outcome<R>; disturbance: number } | null = null
      let attempts = 0
      try {
        for (;;) {
          attempts++
          const outcome = await fn(spec, rep)
          const disturbance = interference ? interference(outcome.value) : 0
          if (!kept || disturbance < kept.disturbance) kept = { outcome, disturbance }
          if (disturbance <= DISTURBED_CORES || attempts > retries) break
          ctx.log(
            `    ${label} ${spec.name} rep ${rep + 1}/${count}: other processes used ${disturbance.toFixed(2)} cores during the window; running it again`,
          )
        }
        const outcome = kept.outcome
        runs.push({
          target: spec.name,
          rep,
          ok: true,
          result: outcome.value,
          otherLoadBefore: outcome.otherLoadBefore,
          disturbance: interference ? kept.disturbance : undefined,
          attempts,
          tandemCounters: outcome.tandemCounters,
          serverExit: outcome.serverExit,
          serverLog: outcome.serverLog || undefined,
        })
        ctx.log(
          `    ${label} ${spec.name} rep ${rep + 1}/${count}: ${describe(outcome.value)} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
        )
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        runs.push({ target: spec.name, rep, ok: false, error: message.slice(0, 4_000), otherLoadBefore: NaN, attempts })
        ctx.log(`    ${label} ${spec.name} rep ${rep + 1}/${count}: FAILED ${message.split('\n')[0]}`)
      }
    }
  }
  return runs
}

// ---------------------------------------------------------------------------------------------
// summaries over repetitions
// ---------------------------------------------------------------------------------------------

export function okRuns<R>(runs: readonly RunRecord[], target: string): Array<RunRecord<R> & { result: R }> {
  return runs.filter((run): run is RunRecord<R> & { result: R } => run.ok && run.target === target && run.result !== undefined)
}

export function metricSpread<R>(runs: readonly RunRecord[], target: string, metric: (result: R) => number): Spread {
  return spread(okRuns<R>(runs, target).map((run) => metric(run.result)))
}

/**
 * Tandem / anchor for one metric, pair by pair: the ratio within each repetition (both ran
 * minutes apart on the same machine), then the median and range of those ratios.
 */
export function pairedRatio<R>(runs: readonly RunRecord[], tandem: string, anchor: string, metric: (result: R) => number): Spread {
  const ratios: number[] = []
  const anchors = new Map(okRuns<R>(runs, anchor).map((run) => [run.rep, run.result]))
  for (const run of okRuns<R>(runs, tandem)) {
    const other = anchors.get(run.rep)
    if (other === undefined) continue
    const a = metric(run.result)
    const b = metric(other)
    if (Number.isFinite(a) && Number.isFinite(b) && b !== 0) ratios.push(a / b)
  }
  return spread(ratios)
}

// ---------------------------------------------------------------------------------------------
// formatting
// ---------------------------------------------------------------------------------------------

export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '–'
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(digits)
}

/** "median (min–max)" or just the value when there was one repetition. */
export function fmtSpread(s: Spread, digits = 1, unit = ''): string {
  if (s.n === 0) return '–'
  if (s.n === 1 || s.min === s.max) return `${fmt(s.median, digits)}${unit}`
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
}

export function fmtRatio(s: Spread): string {
  if (s.n === 0) return '–'
  if (s.n === 1 || s.min === s.max) return `${s.median.toFixed(2)}×`
  return `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`
}

export const MB = 1024 * 1024
export const KB = 1024

export function labelOf(all: Readonly<Record<string, TargetSpec>>, name: string): string {
  return all[name]?.label ?? name
}

/** Failed runs as table notes. */
export function failureNote(runs: readonly RunRecord[]): string | undefined {
  const failed = runs.filter((run) => !run.ok)
  if (failed.length === 0) return undefined
  return `Failed runs: ${failed.map((run) => `${run.target} rep ${run.rep + 1} (${(run.error ?? '').split('\n')[0]!.slice(0, 160)})`).join('; ')}`
}

export function scenarioShell(name: string, title: string, params: Record<string, unknown>, targets: readonly TargetSpec[]) {
  const startedAt = new Date()
  return {
    finish(runs: RunRecord[], notes: string[] = [], data?: Record<string, unknown>): ScenarioResult {
      return {
        name,
        title,
        params,
        targets: targets.map((t) => t.name),
        runs,
        data,
        notes,
        startedAt: startedAt.toISOString(),
        durationSec: (Date.now() - startedAt.getTime()) / 1000,
      }
    },
  }
}
