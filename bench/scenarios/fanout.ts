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
import { type RunningTarget, TARGETS } from '../targets/index'

export const TANDEM = ['tandem-sqlite', 'tandem-memory', 'tandem-postgres'] as const
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

/** The job's base for one running target (its URL, protocol, PID, and the services it uses). */
export function steadyBase(target: RunningTarget): Pick<SteadyJob, 'baseUrl' | 'protocol' | 'serverPid' | 'watch'> {
  return { baseUrl: target.baseUrl, protocol: target.spec.protocol, serverPid: target.pid, watch: target.spec.services }
}

export function steadyJob(
  base: { baseUrl: string; protocol: SteadyJob['protocol']; serverPid: number; watch?: SteadyJob['watch'] },
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
      (spec, rep) => withTarget(ctx, spec, (target) => job<SteadyResult>(ctx, steadyJob(steadyBase(target), params, 1000 + rep), 120_000)),
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
    fmtSpread(
      s(name, (r) => step(r).watchedCpuSec?.postgres ?? NaN),
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
        'Peak RSS = VmHWM over the server\'s life. "gen %" = load generator CPU (a core is 100); "other" = cores used by unrelated processes. ' +
        '"PostgreSQL CPU s" (Tandem on PostgreSQL only) = utime+stime of every process named postgres during the window (the backends serving the run and the server\'s own workers; not in the server CPU columns).' +
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
        'PostgreSQL CPU s',
      ],
      rows,
    },
    ...storageRatioTables(result, heading),
    // Only when an anchor ran (e.g. not for --targets tandem-sqlite,tandem-postgres).
    ...(anchorColumns.length === 0
      ? []
      : [
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
        ]),
  ]
}

/** Tandem on PostgreSQL ÷ Tandem on SQLite, pair by pair, when both ran. */
function storageRatioTables(result: ScenarioResult, heading: string): Table[] {
  if (!result.targets.includes('tandem-postgres') || !result.targets.includes('tandem-sqlite')) return []
  const ratio = (metric: (r: SteadyResult) => number) =>
    fmtRatio(pairedRatio<SteadyResult>(result.runs, 'tandem-postgres', 'tandem-sqlite', metric))
  return [
    {
      title: `${heading}: Tandem on PostgreSQL ÷ Tandem on SQLite (pair by pair within a repetition)`,
      note: "Server CPU is the Tandem process only; the second CPU column adds the PostgreSQL processes' CPU to the PostgreSQL side.",
      columns: ['', 'server CPU', 'server + PostgreSQL CPU', 'p50', 'p99'],
      rows: [
        [
          'PostgreSQL ÷ SQLite',
          ratio((r) => step(r).serverCpuSec),
          ratio((r) => step(r).serverCpuSec + (step(r).watchedCpuSec?.postgres ?? 0)),
          ratio((r) => step(r).latency.p50),
          ratio((r) => step(r).latency.p99),
        ],
      ],
    },
  ]
}
