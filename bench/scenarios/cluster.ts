import fs from 'node:fs'
import {
  type BenchContext,
  failureNote,
  fmt,
  fmtRatio,
  fmtSpread,
  job,
  MB,
  metricSpread,
  newDataDir,
  type Outcome,
  pairedRatio,
  type RunRecord,
  repeat,
  reps,
  type Scenario,
  type ScenarioResult,
  scenarioShell,
  serverLogOf,
  type Table,
  tandemCounters,
  waitForQuiet,
  withTarget,
} from '../lib/harness'
import { isAlive } from '../lib/proc'
import { type RunningRedis, startRedis } from '../lib/redis'
import type { Spread } from '../lib/stats'
import type { SteadyResult, StepResult } from '../load/jobs-types'
import { type RunningTarget, TARGETS, type TargetResources, type TargetSpec } from '../targets/index'
import { fanoutParams, steadyBase, steadyJob } from './fanout'

/**
 * Three Tandem instances on one PostgreSQL database, relaying to each other through one Redis
 * (TANDEM_REDIS_URL), with the clients of every document spread round-robin over them; against
 * one instance on PostgreSQL at the same load (same documents, clients, rate and seed).
 */

export const SINGLE = 'tandem-postgres'
export const CLUSTER = 'tandem-cluster'
const INSTANCES = 3

export function clusterParams(ctx: BenchContext) {
  return { ...fanoutParams(ctx), instances: INSTANCES, maxCrossP99Ratio: 2, maxCpuPerDeliveryRatio: 1.3 }
}

const single = TARGETS[SINGLE]!
/** The cluster as a pseudo-target, for the run records (repeat() only needs its name). */
const clusterSpec: TargetSpec = {
  ...single,
  name: CLUSTER,
  label: `Tandem ×${INSTANCES} (PostgreSQL + Redis relay)`,
  description: `${INSTANCES} × ${single.description}, all on the same database, TANDEM_REDIS_URL = an own redis-server (no persistence)`,
}

const LABELS: Record<string, string> = { [SINGLE]: `Tandem ×1 (PostgreSQL)`, [CLUSTER]: clusterSpec.label }
const step = (r: SteadyResult): StepResult => r.steps[0]!

/** Cross-instance latency for the cluster; every delivery for the single instance (it has no other kind). */
export const crossOrAll = (r: SteadyResult) => step(r).cross?.latency ?? step(r).latency

/** µs of server CPU per delivery in the window. */
function usPerDelivery(r: SteadyResult, windowMs: number): number {
  return (step(r).serverCpuSec / ((step(r).deliveriesPerSec * windowMs) / 1000)) * 1e6
}

/** Server + PostgreSQL (+ Redis) CPU per delivery, µs. */
function usPerDeliveryAll(r: SteadyResult, windowMs: number): number {
  const watched = Object.values(step(r).watchedCpuSec ?? {}).reduce((sum, v) => sum + v, 0)
  return ((step(r).serverCpuSec + watched) / ((step(r).deliveriesPerSec * windowMs) / 1000)) * 1e6
}

/** The two target ratios of the cluster, pair by pair within a repetition. */
export function clusterRatios(result: ScenarioResult): { p99: Spread; p50: Spread; cpu: Spread; cpuAll: Spread } {
  const p = result.params as ReturnType<typeof clusterParams>
  const ratio = (metric: (r: SteadyResult) => number) => pairedRatio<SteadyResult>(result.runs, CLUSTER, SINGLE, metric)
  return {
    p99: ratio((r) => crossOrAll(r).p99),
    p50: ratio((r) => crossOrAll(r).p50),
    cpu: ratio((r) => usPerDelivery(r, p.windowMs)),
    cpuAll: ratio((r) => usPerDeliveryAll(r, p.windowMs)),
  }
}

/**
 * Starts one fresh database, one redis-server and the instances on them (one after the other:
 * the first migrates the database), runs `fn`, stops everything and drops the database.
 * Instances and Redis are pinned to the server core together; PostgreSQL is a system service
 * and runs wherever the scheduler puts it.
 */
async function withCluster<T>(
  ctx: BenchContext,
  fn: (cluster: { targets: RunningTarget[]; redis: RunningRedis }) => Promise<T>,
): Promise<Outcome<T>> {
  const otherLoadBefore = await waitForQuiet(ctx.quietMaxMs)
  const dirs: string[] = []
  const targets: RunningTarget[] = []
  let resources: TargetResources | null = null
  let redis: RunningRedis | null = null
  try {
    resources = single.prepare ? await single.prepare() : { env: {}, release: async () => {} }
    redis = await startRedis({ cpus: ctx.pin.server, nice: ctx.nice })
    for (let i = 0; i < INSTANCES; i++) {
      const dataDir = newDataDir(`${CLUSTER}-${i}`)
      dirs.push(dataDir)
      targets.push(
        await single.start({ dataDir, cpus: ctx.pin.server, nice: ctx.nice, env: { ...resources.env, TANDEM_REDIS_URL: redis.url } }),
      )
    }
    const value = await fn({ targets, redis })
    targets.forEach((t, i) => {
      if (!isAlive(t.pid)) throw new Error(`instance ${i + 1} died during the run:\n${t.output().slice(-2_000)}`)
    })
    const counters: Record<string, number> = {}
    for (const t of targets)
      for (const [key, v] of Object.entries((await tandemCounters(t)) ?? {})) counters[key] = (counters[key] ?? 0) + v
    const exits: string[] = []
    for (const t of targets) {
      const exit = await t.stop()
      exits.push(String(exit.code ?? exit.signal))
    }
    const serverLog = targets
      .map((t, i) => [i, serverLogOf(t)] as const)
      .filter(([, log]) => log)
      .map(([i, log]) => `[instance ${i + 1}] ${log}`)
      .join('\n')
    return { value, otherLoadBefore, tandemCounters: counters, serverExit: exits.join(','), serverLog }
  } finally {
    try {
      for (const t of targets) await t.stop()
      if (redis) await redis.stop()
      if (resources) await resources.release()
    } finally {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

export const cluster: Scenario = {
  name: 'cluster',
  title: `Cluster: ${INSTANCES} Tandem instances on one PostgreSQL database relaying through Redis, against one instance`,
  async run(ctx) {
    const params = clusterParams(ctx)
    // Always both: the comparison is the scenario (--targets does not apply).
    const targets = [single, clusterSpec]
    const shell = scenarioShell(this.name, this.title, params, targets)
    const count = reps(ctx, 3, 1)
    const extra = { docPrefix: 'cluster' }
    const runs = await repeat<SteadyResult>(
      ctx,
      count,
      targets,
      'cluster',
      (spec, rep) =>
        spec.name === SINGLE
          ? withTarget(ctx, single, (target) => job<SteadyResult>(ctx, steadyJob(steadyBase(target), params, 3000 + rep, extra), 120_000))
          : withCluster(ctx, async ({ targets: instances, redis }) => {
              const result = await job<SteadyResult>(
                ctx,
                steadyJob(
                  { ...steadyBase(instances[0]!), watch: [...(single.services ?? []), { name: 'redis', pids: [redis.pid] }] },
                  params,
                  3000 + rep,
                  { ...extra, baseUrls: instances.map((t) => t.baseUrl), serverPids: instances.map((t) => t.pid) },
                ),
                120_000,
              )
              const cross = step(result).cross
              if (!cross || cross.delivered === 0)
                throw new Error(
                  `no cross-instance deliveries: is TANDEM_REDIS_URL supported? (0 of ${cross?.expected ?? '?'} expected; ` +
                    `${step(result).delivered} deliveries between clients of the same instance arrived)`,
                )
              return result
            }),
      (r) => {
        const s = step(r)
        const cross = s.cross ? `, cross-instance p99 ${fmt(s.cross.latency.p99, 1)} ms (${s.cross.delivered}/${s.cross.expected})` : ''
        return `${fmt(s.deliveriesPerSec, 0)} deliveries/s, p99 ${fmt(s.latency.p99, 1)} ms${cross}, servers ${fmt(s.serverCpuSec, 2)} CPU s, postgres ${fmt(s.watchedCpuSec?.postgres ?? NaN, 2)} s, redis ${fmt(s.watchedCpuSec?.redis ?? NaN, 2)} s, lost ${s.expected - s.delivered}`
      },
      (r) => step(r).otherCpuUtil,
    )
    const pin = ctx.pin.server
      ? `Pinning (2 cores here): the ${INSTANCES} instances and redis-server share CPU ${ctx.pin.server} — the same single core the one instance has to itself — and the load generator has CPU ${ctx.pin.generator}; PostgreSQL is a system service and is not pinned (its backends run on either core, for both configurations).`
      : 'Nothing pinned (--no-pin).'
    return shell.finish(runs as RunRecord[], [pin])
  },
  tables(result) {
    return clusterTables(result)
  },
}

export function clusterTables(result: ScenarioResult): Table[] {
  const runs = result.runs
  const p = result.params as ReturnType<typeof clusterParams>
  const s = (name: string, metric: (r: SteadyResult) => number, digits: number) =>
    fmtSpread(metricSpread<SteadyResult>(runs, name, metric), digits)
  const rows = [SINGLE, CLUSTER].map((name) => [
    LABELS[name]!,
    s(name, (r) => step(r).deliveriesPerSec, 0),
    s(name, (r) => step(r).expected - step(r).delivered, 0),
    s(name, (r) => step(r).duplicates, 0),
    s(name, (r) => r.mergedUpdates, 0),
    s(name, (r) => step(r).latency.p50, 2),
    s(name, (r) => step(r).latency.p99, 1),
    s(name, (r) => step(r).cross?.latency.p50 ?? NaN, 2),
    s(name, (r) => step(r).cross?.latency.p99 ?? NaN, 1),
    s(name, (r) => (step(r).cross ? step(r).cross!.expected - step(r).cross!.delivered : NaN), 0),
    s(name, (r) => step(r).cross?.local.p99 ?? NaN, 1),
    s(name, (r) => step(r).serverCpuSec, 2),
    s(name, (r) => usPerDelivery(r, p.windowMs), 1),
    s(name, (r) => step(r).watchedCpuSec?.postgres ?? NaN, 2),
    s(name, (r) => step(r).watchedCpuSec?.redis ?? NaN, 2),
    s(name, (r) => usPerDeliveryAll(r, p.windowMs), 1),
    s(name, (r) => r.serverPeakRssBytes / MB, 0),
    s(name, (r) => step(r).generatorCpuUtil * 100, 0),
    s(name, (r) => step(r).otherCpuUtil, 2),
  ])
  const ratios = clusterRatios(result)
  const verdict = (v: Spread, ok: (x: number) => boolean) => (v.n === 0 ? 'not measured' : ok(v.median) ? 'met' : 'NOT met')
  return [
    {
      title: `Cluster: ${p.docs} documents × ${p.clientsPerDoc} clients, ${p.rate} updates/s each, clients of every document round-robin over ${p.instances} instances (${p.windowMs / 1000} s window after ${p.warmupMs / 1000} s warm-up)`,
      note:
        'Same documents, clients, schedule and seed for both rows. "cross" = deliveries to a client on another instance than the sender\'s (through PostgreSQL commit and the Redis relay); ' +
        '"same-instance p99" = deliveries between clients of one instance. Server CPU = utime+stime summed over the Tandem instances during the window; ' +
        "µs/delivery = that over all deliveries (cross and same-instance). PostgreSQL CPU = every process named postgres (backends and the server's workers; " +
        'anything else using this PostgreSQL server during the window counts too); Redis = the redis-server process. "all µs/delivery" adds both. ' +
        "Peak RSS = the sum of the instances' VmHWM. Duplicates = updates a client received more than once; merged msgs = received updates holding several clients' edits (a catch-up read from PostgreSQL): only their first edit is identified, the others count as lost." +
        (failureNote(runs) ? ` ${failureNote(runs)}` : ''),
      columns: [
        'configuration',
        'deliveries/s',
        'lost',
        'duplicates',
        'merged msgs',
        'p50 ms',
        'p99 ms',
        'cross p50 ms',
        'cross p99 ms',
        'cross lost',
        'same-instance p99 ms',
        'server CPU s',
        'µs server CPU/delivery',
        'PostgreSQL CPU s',
        'Redis CPU s',
        'all µs CPU/delivery',
        'peak RSS MB',
        'gen %',
        'other cores',
      ],
      rows,
    },
    {
      title: `Cluster ÷ single instance (pair by pair within a repetition)`,
      columns: ['ratio', 'measured', 'target', ''],
      rows: [
        ['cross-instance p99 ÷ single-instance p99', fmtRatio(ratios.p99), '≤ 2', verdict(ratios.p99, (v) => v <= p.maxCrossP99Ratio)],
        ['cross-instance p50 ÷ single-instance p50', fmtRatio(ratios.p50), '', ''],
        [
          'server CPU per delivery, cluster ÷ single',
          fmtRatio(ratios.cpu),
          '≤ 1.3',
          verdict(ratios.cpu, (v) => v <= p.maxCpuPerDeliveryRatio),
        ],
        ['server + PostgreSQL + Redis CPU per delivery, cluster ÷ single', fmtRatio(ratios.cpuAll), '', ''],
      ],
    },
  ]
}
