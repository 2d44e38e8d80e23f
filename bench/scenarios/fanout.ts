import {
  type BenchContext,
  failureNote,
  fmt,
  fmtRatio,
  fmtSpread,
  job,
  labelOf,
  MB,
  metricSpread,
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
import type { SteadyJob, SteadyResult, StepResult } from '../load/jobs-types'
import { TARGETS } from '../targets/index'

export const TANDEM = ['tandem-sqlite', 'tandem-memory'] as const
export const ANCHORS = ['bare-ws', 'reference', 'hocuspocus', 'hocuspocus-sqlite'] as const
const ALL = [...TANDEM, ...ANCHORS]

export function fanoutParams(ctx: BenchContext) {
  return {
    docs: 50,
    clientsPerDoc: 10,
    rate: 2,
    chunk: 4,
    warmupMs: ctx.quick ? 1_500 : 2_000,
    windowMs: ctx.quick ? 4_000 : 10_000,
    drainMs: ctx.quick ? 1_000 : 2_000,
  }
}

export function steadyJob(
  base: { baseUrl: string; protocol: SteadyJob['protocol']; serverPid: number },
  params: ReturnType<typeof fanoutParams>,
  seed: number,
  extra: Partial<SteadyJob> = {},
): SteadyJob {
  return {
    kind: 'steady',
    ...base,
    seed,
    docs: params.docs,
    clientsPerDoc: params.clientsPerDoc,
    docPrefix: 'fanout',
    rates: [params.rate],
    warmupMs: params.warmupMs,
    windowMs: params.windowMs,
    drainMs: params.drainMs,
    chunk: params.chunk,
    ...extra,
  }
}

const step = (r: SteadyResult): StepResult => r.steps[0]!

export const fanout: Scenario = {
  name: 'fanout',
  title: 'Fan-out: 50 documents × 10 clients typing at 2 Hz',
  async run(ctx) {
    const params = fanoutParams(ctx)
    const targets = targetsFor(ctx, ALL, TARGETS)
    const shell = scenarioShell(this.name, this.title, params, targets)
    const count = reps(ctx, 3, 1)
    const runs = await repeat<SteadyResult>(
      ctx,
      count,
      targets,
      'fanout',
      (spec, rep) =>
        withTarget(ctx, spec, (target) =>
          job<SteadyResult>(
            ctx,
            steadyJob({ baseUrl: target.baseUrl, protocol: spec.protocol, serverPid: target.pid }, params, 1000 + rep),
            120_000,
          ),
        ),
      (r) => {
        const s = step(r)
        return `${fmt(s.deliveriesPerSec, 0)} deliveries/s, p99 ${fmt(s.latency.p99, 1)} ms, server ${fmt(s.serverCpuSec, 2)} CPU s, lost ${s.expected - s.delivered}`
      },
      (r) => step(r).otherCpuUtil,
    )
    return shell.finish(runs as RunRecord[])
  },
  tables(result) {
    return fanoutTables(result, 'Fan-out')
  },
}

export function fanoutTables(result: ScenarioResult, heading: string): Table[] {
  const runs = result.runs
  const p = result.params as ReturnType<typeof fanoutParams>
  const s = (name: string, metric: (r: SteadyResult) => number) => metricSpread<SteadyResult>(runs, name, metric)
  const rows = result.targets.map((name) => [
    labelOf(TARGETS, name),
    fmtSpread(
      s(name, (r) => step(r).deliveriesPerSec),
      0,
    ),
    fmtSpread(
      s(name, (r) => step(r).expected - step(r).delivered),
      0,
    ),
    fmtSpread(
      s(name, (r) => step(r).latency.p50),
      2,
    ),
    fmtSpread(
      s(name, (r) => step(r).latency.p95),
      1,
    ),
    fmtSpread(
      s(name, (r) => step(r).latency.p99),
      1,
    ),
    fmtSpread(
      s(name, (r) => step(r).latency.max),
      1,
    ),
    fmtSpread(
      s(name, (r) => step(r).serverCpuSec),
      2,
    ),
    fmtSpread(
      s(name, (r) => (step(r).serverSysSec / step(r).serverCpuSec) * 100),
      0,
    ),
    fmtSpread(
      s(name, (r) => (step(r).serverCpuSec / ((step(r).deliveriesPerSec * p.windowMs) / 1000)) * 1e6),
      1,
    ),
    fmtSpread(
      s(name, (r) => r.serverPeakRssBytes / MB),
      0,
    ),
    fmtSpread(
      s(name, (r) => step(r).echo?.p50 ?? NaN),
      2,
    ),
    fmtSpread(
      s(name, (r) => step(r).generatorCpuUtil * 100),
      0,
    ),
    fmtSpread(
      s(name, (r) => step(r).otherCpuUtil),
      2,
    ),
  ])
  const ratioRows = (metric: (r: SteadyResult) => number) =>
    TANDEM.filter((t) => result.targets.includes(t)).map((t) => [
      labelOf(TARGETS, t),
      ...ANCHORS.filter((a) => result.targets.includes(a)).map((a) => fmtRatio(pairedRatio<SteadyResult>(runs, t, a, metric))),
    ])
  const anchorColumns = ANCHORS.filter((a) => result.targets.includes(a)).map((a) => `÷ ${labelOf(TARGETS, a)}`)
  return [
    {
      title: `${heading}: ${p.docs} documents × ${p.clientsPerDoc} clients, ${p.rate} updates/s each (${p.windowMs / 1000} s window after ${p.warmupMs / 1000} s warm-up)`,
      note:
        'Deliveries count only other clients of the document (echoes to the sender are excluded; their median is the "echo p50" column — ' +
        'for Tandem that is the commit-then-relay round trip). "kernel %" = the share of the server\'s CPU spent in system calls (socket writes and reads, storage). Lost = deliveries expected for updates sent in the window that never arrived ' +
        'within the drain time. Server CPU = utime+stime of the server process during the window; µs/delivery = that CPU over deliveries. ' +
        'Peak RSS = VmHWM over the server\'s life. "gen %" = load generator CPU (a core is 100); "other" = cores used by unrelated processes.' +
        (failureNote(runs) ? ` ${failureNote(runs)}` : ''),
      columns: [
        'target',
        'deliveries/s',
        'lost',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'server CPU s',
        'kernel %',
        'µs CPU/delivery',
        'peak RSS MB',
        'echo p50 ms',
        'gen %',
        'other cores',
      ],
      rows,
    },
    {
      title: `${heading}: server CPU, Tandem ÷ anchor (pair by pair within a repetition)`,
      columns: ['', ...anchorColumns],
      rows: ratioRows((r) => step(r).serverCpuSec),
    },
    {
      title: `${heading}: p99 latency, Tandem ÷ anchor`,
      columns: ['', ...anchorColumns],
      rows: ratioRows((r) => step(r).latency.p99),
    },
  ]
}
