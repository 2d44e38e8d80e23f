import {
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
  scenarioShell,
  type Table,
  targetsFor,
  withTarget,
} from '../lib/harness'
import { directoryBytes } from '../lib/proc'
import type { SteadyResult } from '../load/jobs-types'
import { TARGETS } from '../targets/index'
import { fanoutParams, steadyJob } from './fanout'
import { maxDeliveries, runSaturation } from './saturation'

/** Memory storage first: it is the control (its "storage" bytes should be about zero). */
const ALL = ['tandem-memory', 'tandem-sqlite', 'hocuspocus-sqlite', 'reference-leveldb']
const THROUGHPUT_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['tandem-sqlite', 'tandem-memory'],
  ['hocuspocus-sqlite', 'hocuspocus'],
]

type IoRun = SteadyResult & { readonly diskGrowthBytes: number }

export const durability: Scenario = {
  name: 'durability',
  title: 'Durability cost: SQLite vs memory throughput, and bytes written to storage per byte of updates',
  async run(ctx) {
    const params = { ...fanoutParams(ctx), settleMs: 4_000 }
    const targets = targetsFor(ctx, ALL, TARGETS)
    const shell = scenarioShell(this.name, this.title, params, targets)
    const count = reps(ctx, 2, 1)
    const runs = await repeat<IoRun>(
      ctx,
      count,
      targets,
      'durability',
      (spec, rep) =>
        withTarget(ctx, spec, async (target) => {
          const before = directoryBytes(target.dataDir)
          const result = await job<SteadyResult>(
            ctx,
            steadyJob({ baseUrl: target.baseUrl, protocol: spec.protocol, serverPid: target.pid }, params, 7000 + rep, {
              docPrefix: 'durability',
              measureIoSettleMs: params.settleMs,
            }),
            180_000,
          )
          return { ...result, diskGrowthBytes: directoryBytes(target.dataDir) - before }
        }),
      (r) =>
        `${fmt(r.io?.storageBytes ? r.io.storageBytes / MB : 0, 2)} MB to storage for ${fmt((r.io?.updateBytes ?? 0) / MB, 2)} MB of updates: ×${fmt(r.io?.amplification ?? NaN, 2)}`,
      (r) => r.steps[0]!.otherCpuUtil,
    )

    // Throughput with and without durability: the saturation runs of this invocation, or our own.
    const needed = [...new Set(THROUGHPUT_PAIRS.flat())].filter((name) => !ctx.targetFilter || ctx.targetFilter.has(name))
    let saturationRuns = (ctx.previous.saturation?.runs ?? []).filter((run) => needed.includes(run.target))
    let saturationSource = 'the saturation scenario of this run'
    if (!needed.every((name) => saturationRuns.some((run) => run.target === name && run.ok))) {
      ctx.log('    durability: running saturation for the storage pairs')
      saturationRuns = (await runSaturation(ctx, needed, 'saturation (for durability)')).runs
      saturationSource = 'a saturation ramp run by this scenario'
    }
    return shell.finish(
      runs as RunRecord[],
      [
        "Bytes to storage = growth of the server's /proc/<pid>/io `wchar` (every byte passed to write/pwrite/writev) minus the bytes its " +
          'sockets sent (the sum of what every client socket read), from before the clients connect until 4 s after they closed. ' +
          '`write_bytes` is the block-layer count (pages dirtied), for comparison. Update bytes = the Yjs updates the clients sent, unframed.',
      ],
      { saturationRuns, saturationSource },
    )
  },
  tables(result): Table[] {
    const runs = result.runs
    const s = (name: string, metric: (r: IoRun) => number) => metricSpread<IoRun>(runs, name, metric)
    const saturationRuns = (result.data?.saturationRuns ?? []) as RunRecord[]
    const sat = (name: string) => metricSpread<SteadyResult>(saturationRuns, name, maxDeliveries)
    return [
      {
        title: 'Durability: bytes written per byte of updates (the fan-out load: 50 × 10 clients at 2 Hz)',
        note: failureNote(runs),
        columns: [
          'target',
          'update MB sent',
          'to storage MB',
          'write amplification',
          'block-layer MB',
          'block amplification',
          'disk growth MB',
          'server CPU s',
          'p99 ms',
        ],
        rows: result.targets.map((name) => [
          labelOf(TARGETS, name),
          fmtSpread(
            s(name, (r) => (r.io?.updateBytes ?? NaN) / MB),
            2,
          ),
          fmtSpread(
            s(name, (r) => (r.io?.storageBytes ?? NaN) / MB),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.io?.amplification ?? NaN),
            2,
          ),
          fmtSpread(
            s(name, (r) => (r.io?.writeBytesDelta ?? NaN) / MB),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.io?.blockAmplification ?? NaN),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.diskGrowthBytes / MB),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.steps[0]!.serverCpuSec),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.steps[0]!.latency.p99),
            1,
          ),
        ]),
      },
      {
        title: `Durability: what storage costs (throughput from ${String(result.data?.saturationSource ?? 'saturation')})`,
        note:
          'Throughput = max sustained deliveries/s in the saturation ramp; a ratio of 1.00 means durability is free. CPU = server CPU seconds ' +
          'for the same fixed fan-out load (the runs above).',
        columns: ['pair', 'max deliveries/s (durable)', 'max deliveries/s (memory)', 'throughput ratio', 'fan-out CPU ratio'],
        rows: THROUGHPUT_PAIRS.map(([durable, memory]) => [
          `${labelOf(TARGETS, durable)} ÷ ${labelOf(TARGETS, memory)}`,
          fmtSpread(sat(durable), 0),
          fmtSpread(sat(memory), 0),
          fmtRatio(pairedRatio<SteadyResult>(saturationRuns, durable, memory, maxDeliveries)),
          result.targets.includes(memory) ? fmtRatio(pairedRatio<IoRun>(runs, durable, memory, (r) => r.steps[0]!.serverCpuSec)) : '–',
        ]),
      },
    ]
  },
}
