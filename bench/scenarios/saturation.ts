import {
  type BenchContext,
  failureNote,
  fmt,
  fmtRatio,
  fmtSpread,
  job,
  labelOf,
  metricSpread,
  okRuns,
  pairedRatio,
  type RunRecord,
  repeat,
  reps,
  type Scenario,
  type ScenarioResult,
  scenarioShell,
  type Table,
  targetsFor,
  withTarget,
} from '../lib/harness'
import type { SteadyResult, StepResult } from '../load/jobs-types'
import { TARGETS } from '../targets/index'
import { ANCHORS, fanoutParams, steadyBase, steadyJob, TANDEM } from './fanout'

const ALL = [...TANDEM, ...ANCHORS]
/** Updates per second per client; each step multiplies by 1.6. Tandem's per-connection limit is 300/s. */
export const RAMP = [4, 6.4, 10, 16, 25, 40, 64, 100, 160, 250]

export function saturationParams(ctx: BenchContext) {
  return {
    ...fanoutParams(ctx),
    rates: RAMP,
    warmupMs: ctx.quick ? 800 : 1_000,
    windowMs: ctx.quick ? 2_000 : 3_000,
    drainMs: ctx.quick ? 700 : 1_000,
    maxP99Ms: 200,
    minDeliveredRatio: 0.9,
  }
}

/** The highest passing step, and what stopped the ramp. */
export function saturationOf(result: SteadyResult): {
  best: StepResult | null
  failed: StepResult | null
  limit: string
  generatorLimited: boolean
} {
  let best: StepResult | null = null
  for (const step of result.steps) if (step.pass && (!best || step.deliveriesPerSec > best.deliveriesPerSec)) best = step
  const failed = result.steps.find((step) => !step.pass) ?? null
  const generatorLimited = Boolean(best?.generatorBound || failed?.generatorBound)
  let limit = 'ramp ended'
  if (failed) {
    const reason = failed.latency.p99 > 200 ? `p99 ${fmt(failed.latency.p99, 0)} ms` : `${fmt(failed.deliveredRatio * 100, 0)}% delivered`
    const who = failed.generatorBound ? 'generator' : failed.serverCpuUtil >= 0.85 ? 'server CPU' : 'other'
    limit = `${reason} at ${failed.rate}/s (${who}: server ${fmt(failed.serverCpuUtil * 100, 0)}%, gen ${fmt(failed.generatorCpuUtil * 100, 0)}%)`
  }
  return { best, failed, limit, generatorLimited }
}

export const maxDeliveries = (r: SteadyResult) => saturationOf(r).best?.deliveriesPerSec ?? 0

export async function runSaturation(ctx: BenchContext, targetNames: readonly string[], title: string): Promise<ScenarioResult> {
  const params = saturationParams(ctx)
  const targets = targetsFor(ctx, targetNames, TARGETS)
  const shell = scenarioShell('saturation', title, params, targets)
  const count = reps(ctx, 2, 1)
  const runs = await repeat<SteadyResult>(
    ctx,
    count,
    targets,
    'saturation',
    (spec, rep) =>
      withTarget(ctx, spec, (target) =>
        job<SteadyResult>(
          ctx,
          steadyJob(steadyBase(target), params, 2000 + rep, {
            docPrefix: 'saturation',
            rates: params.rates,
            saturation: { maxP99Ms: params.maxP99Ms, minDeliveredRatio: params.minDeliveredRatio, refine: true },
          }),
          600_000,
        ),
      ),
    (r) => {
      const { best, limit } = saturationOf(r)
      return `max ${fmt(best?.deliveriesPerSec ?? 0, 0)} deliveries/s at ${best?.rate ?? '–'}/s per client; stopped by ${limit}`
    },
    (r) => {
      const { best, failed } = saturationOf(r)
      return Math.max(best?.otherCpuUtil ?? 0, failed?.otherCpuUtil ?? 0)
    },
  )
  return shell.finish(runs as RunRecord[])
}

export const saturation: Scenario = {
  name: 'saturation',
  title: 'Saturation: the fan-out load, rate raised until p99 > 200 ms or < 90% delivered',
  run(ctx) {
    return runSaturation(ctx, ALL, this.title)
  },
  tables(result) {
    return saturationTables(result)
  },
}

export function saturationTables(result: ScenarioResult): Table[] {
  const runs = result.runs
  const p = result.params as ReturnType<typeof saturationParams>
  const rows = result.targets.map((name) => {
    const mine = okRuns<SteadyResult>(runs, name)
    const limits = mine.map((run) => saturationOf(run.result))
    return [
      labelOf(TARGETS, name),
      fmtSpread(metricSpread<SteadyResult>(runs, name, maxDeliveries), 0),
      fmtSpread(
        metricSpread<SteadyResult>(runs, name, (r) => saturationOf(r).best?.rate ?? NaN),
        1,
      ),
      fmtSpread(
        metricSpread<SteadyResult>(runs, name, (r) => saturationOf(r).best?.latency.p99 ?? NaN),
        1,
      ),
      fmtSpread(
        metricSpread<SteadyResult>(runs, name, (r) => (saturationOf(r).best?.serverCpuUtil ?? NaN) * 100),
        0,
      ),
      fmtSpread(
        metricSpread<SteadyResult>(runs, name, (r) => (saturationOf(r).best?.generatorCpuUtil ?? NaN) * 100),
        0,
      ),
      limits.some((l) => l.generatorLimited) ? 'yes' : 'no',
      limits.map((l) => l.limit).join('; ') || '–',
    ]
  })
  const anchors = ANCHORS.filter((a) => result.targets.includes(a))
  const ratioRows = TANDEM.filter((t) => result.targets.includes(t)).map((t) => [
    labelOf(TARGETS, t),
    ...anchors.map((a) => fmtRatio(pairedRatio<SteadyResult>(runs, t, a, maxDeliveries))),
  ])
  return [
    {
      title: `Saturation: ${p.docs} × ${p.clientsPerDoc} clients, per-client rate ${p.rates.join(', ')}/s (${p.warmupMs / 1000} s warm-up + ${p.windowMs / 1000} s window per step), then one step between the last pass and the first failure`,
      note:
        'Max sustained = deliveries/s of the best step with p99 ≤ 200 ms and ≥ 90% of the expected deliveries. "Generator-bound" means the load ' +
        'generator (one process pinned to its own core) used ≥ 85% of its core, fell > 20 ms behind its schedule, or sent < 95% of what was planned ' +
        'at the best or the failing step: then the figure is a floor for the server, not its limit.' +
        (failureNote(runs) ? ` ${failureNote(runs)}` : ''),
      columns: [
        'target',
        'max deliveries/s',
        'at rate/s',
        'p99 ms there',
        'server CPU %',
        'gen CPU %',
        'generator-bound',
        'what stopped the ramp',
      ],
      rows,
    },
    ...(anchors.length === 0
      ? []
      : [
          {
            title: 'Saturation: max sustained deliveries/s, Tandem ÷ anchor',
            columns: ['', ...anchors.map((a) => `÷ ${labelOf(TARGETS, a)}`)],
            rows: ratioRows,
          },
        ]),
    ...(result.targets.includes('tandem-postgres') && result.targets.includes('tandem-sqlite')
      ? [
          {
            title: 'Saturation: max sustained deliveries/s, Tandem on PostgreSQL ÷ Tandem on SQLite (target ≥ 0.8)',
            note:
              'Pair by pair within a repetition. PostgreSQL CPU = every process named postgres, in % of a core, at the best step of the PostgreSQL run. ' +
              "PostgreSQL is a system service and is not pinned: its backends run on either core, the load generator's included (so a PostgreSQL run is more often generator-bound).",
            columns: ['', 'ratio', 'PostgreSQL CPU % at the best step'],
            rows: [
              [
                'PostgreSQL ÷ SQLite',
                fmtRatio(pairedRatio<SteadyResult>(runs, 'tandem-postgres', 'tandem-sqlite', maxDeliveries)),
                fmtSpread(
                  metricSpread<SteadyResult>(runs, 'tandem-postgres', (r) => {
                    const best = saturationOf(r).best
                    return best?.watchedCpuSec?.postgres !== undefined ? (best.watchedCpuSec.postgres / (p.windowMs / 1000)) * 100 : NaN
                  }),
                  0,
                ),
              ],
            ],
          },
        ]
      : []),
  ]
}
