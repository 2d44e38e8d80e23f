import {
  failureNote,
  fmtRatio,
  fmtSpread,
  labelOf,
  MB,
  metricSpread,
  pairedRatio,
  type RunRecord,
  repeat,
  reps,
  type Scenario,
  scenarioShell,
  sleep,
  type Table,
  targetsFor,
  withTarget,
} from '../lib/harness'
import { cpuSeconds, memory } from '../lib/proc'
import { TARGETS } from '../targets/index'
import type { RunningTarget } from '../targets/spawn'

const TANDEM = ['tandem-sqlite', 'tandem-memory']
const ANCHORS = ['reference', 'hocuspocus']
const ALL = [...TANDEM, ...ANCHORS]

/** Tandem's budget (issue 14): spawn → /healthz 200 within this. */
export const STARTUP_BUDGET_MS = 150

export interface StartupResult {
  /** Spawning the command until /healthz answered 200. */
  readonly healthyMs: number
  /** Spawning the command until it printed that it listens. */
  readonly listeningMs: number
  /** CPU the process had used when it answered (utime + stime): what start-up costs, less the machine's noise. */
  readonly cpuMs: number
  readonly rssBytes: number
}

/**
 * GET /healthz until it answers 200. The anchors have no health route: their HTTP server answers
 * every path with 200, which is the same "ready to serve" signal.
 */
async function untilHealthy(target: RunningTarget): Promise<number> {
  const startedAt = performance.now()
  for (;;) {
    try {
      const response = await fetch(`${target.httpUrl}/healthz`, { signal: AbortSignal.timeout(5_000) })
      await response.arrayBuffer()
      if (response.status === 200) return performance.now() - startedAt
    } catch {
      // Not answering yet.
    }
    if (performance.now() - startedAt > 30_000) throw new Error(`${target.spec.name}: /healthz did not answer 200 within 30 s`)
    await sleep(1)
  }
}

export const startup: Scenario = {
  name: 'startup',
  title: 'Start-up: spawning the server until /healthz answers 200',
  async run(ctx) {
    const params = { repetitions: reps(ctx, 15, 5), budgetMs: STARTUP_BUDGET_MS }
    const targets = targetsFor(ctx, ALL, TARGETS)
    const shell = scenarioShell(this.name, this.title, params, targets)
    const runs = await repeat<StartupResult>(
      ctx,
      params.repetitions,
      targets,
      'startup',
      (spec) =>
        withTarget(ctx, spec, async (target) => {
          const afterListening = await untilHealthy(target)
          return {
            healthyMs: target.startupMs + afterListening,
            listeningMs: target.startupMs,
            cpuMs: cpuSeconds(target.pid) * 1000,
            rssBytes: memory(target.pid).rss,
          }
        }),
      (r) => `healthy after ${r.healthyMs.toFixed(0)} ms (${r.cpuMs.toFixed(0)} ms CPU)`,
    )
    return shell.finish(runs as RunRecord[], [
      'Each repetition spawns every target once, in rotating order, pinned to the server core, on a fresh data directory: ' +
        'Tandem as `npm run server` runs it (`node dist/server/cli.js`, compiled beforehand; the build is not timed), ' +
        'the anchors under plain node. Timed from spawning the process (through `sh -c "ulimit …; exec node …"`, as every ' +
        'benchmark server) until GET /healthz answered 200 (the anchors answer every path with 200); the port comes from the ' +
        'line each prints when listening, so the polling starts then. CPU = utime + stime of the process at that moment ' +
        '(10 ms ticks): the part of start-up that does not depend on how busy the machine is.',
    ])
  },
  tables(result): Table[] {
    const runs = result.runs
    const s = (name: string, metric: (r: StartupResult) => number) => metricSpread<StartupResult>(runs, name, metric)
    const anchors = ANCHORS.filter((a) => result.targets.includes(a))
    return [
      {
        title: `Start-up: spawn → /healthz 200 (Tandem's budget ${STARTUP_BUDGET_MS} ms)`,
        note: failureNote(runs),
        columns: ['target', 'healthy ms', 'listening ms', 'CPU ms', 'RSS MB'],
        rows: result.targets.map((name) => [
          labelOf(TARGETS, name),
          fmtSpread(
            s(name, (r) => r.healthyMs),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.listeningMs),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.cpuMs),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.rssBytes / MB),
            0,
          ),
        ]),
      },
      {
        title: 'Start-up: time to /healthz 200, Tandem ÷ anchor',
        columns: ['', ...anchors.map((a) => `÷ ${labelOf(TARGETS, a)}`)],
        rows: TANDEM.filter((t) => result.targets.includes(t)).map((t) => [
          labelOf(TARGETS, t),
          ...anchors.map((a) => fmtRatio(pairedRatio<StartupResult>(runs, t, a, (r) => r.healthyMs))),
        ]),
      },
    ]
  },
}
