import {
  failureNote,
  fmt,
  fmtRatio,
  fmtSpread,
  job,
  labelOf,
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
import type { PresenceResult } from '../load/jobs-types'
import { TARGETS } from '../targets/index'

const TANDEM = ['tandem-sqlite']
const ANCHORS = ['bare-ws', 'reference', 'hocuspocus']
const ALL = [...TANDEM, ...ANCHORS]

export const PRESENCE_CASES = [
  { name: 'one-document', label: '500 clients in one document', docs: 1, clientsPerDoc: 500 },
  { name: 'many-documents', label: '2,000 clients over 200 documents', docs: 200, clientsPerDoc: 10 },
] as const

type CaseResult = PresenceResult & { readonly case: string }

export const presence: Scenario = {
  name: 'presence',
  title: 'Presence: carets moving at 1 Hz',
  async run(ctx) {
    const params = {
      hz: 1,
      settleMs: ctx.quick ? 2_000 : 3_000,
      windowMs: ctx.quick ? 4_000 : 8_000,
      drainMs: 1_500,
      cases: PRESENCE_CASES,
    }
    const targets = targetsFor(ctx, ALL, TARGETS)
    const shell = scenarioShell(this.name, this.title, params, targets)
    const count = reps(ctx, 2, 1)
    const runs: RunRecord[] = []
    for (const presenceCase of PRESENCE_CASES) {
      const caseRuns = await repeat<CaseResult>(
        ctx,
        count,
        targets,
        `presence ${presenceCase.name}`,
        (spec, rep) =>
          withTarget(ctx, spec, async (target) => {
            const result = await job<PresenceResult>(
              ctx,
              {
                kind: 'presence',
                baseUrl: target.baseUrl,
                protocol: spec.protocol,
                serverPid: target.pid,
                seed: 3000 + rep,
                docs: presenceCase.docs,
                clientsPerDoc: presenceCase.clientsPerDoc,
                docPrefix: `presence-${presenceCase.name}`,
                hz: params.hz,
                settleMs: params.settleMs,
                windowMs: params.windowMs,
                drainMs: params.drainMs,
              },
              180_000,
            )
            return { ...result, case: presenceCase.name }
          }),
        (r) =>
          `server ${fmt(r.serverCpuUtil * 100, 0)}% CPU, seen by all p50 ${fmt(r.seenByAll.p50, 1)} / p99 ${fmt(r.seenByAll.p99, 1)} ms, ` +
          `${fmt(r.deliveredRatio * 100, 1)}% delivered, generator ${fmt(r.generatorCpuUtil * 100, 0)}%`,
        (r) => r.otherCpuUtil,
      )
      runs.push(...(caseRuns as RunRecord[]))
    }
    return shell.finish(runs, [
      "Each client joins like the stock client (sync, then a presence state shaped like y-prosemirror's: user name and colour, " +
        'anchor and head as relative positions, about 200 bytes of JSON), then moves its caret once a second at a random phase.',
    ])
  },
  tables(result) {
    const tables: Table[] = []
    for (const presenceCase of PRESENCE_CASES) {
      const runs = result.runs.filter((run) => (run.result as CaseResult | undefined)?.case === presenceCase.name)
      const s = (name: string, metric: (r: CaseResult) => number) => metricSpread<CaseResult>(runs, name, metric)
      tables.push({
        title: `Presence, ${presenceCase.label}, 1 caret move/s per client (${(result.params as { windowMs: number }).windowMs / 1000} s window)`,
        note:
          '"Seen by all" = per caret move, the time until the last other client of the document received it. Server CPU % is of one core. ' +
          "A run is generator-bound when the load generator used ≥ 85% of its core (then latencies include the generator's own queueing)." +
          (failureNote(result.runs.filter((run) => !run.ok)) ? ` ${failureNote(result.runs.filter((run) => !run.ok))}` : ''),
        columns: [
          'target',
          'server CPU %',
          'server CPU s',
          'kernel %',
          'seen by all p50 ms',
          'p99 ms',
          'max ms',
          'moves not seen by all',
          'delivery p50 ms',
          'delivery p99 ms',
          'delivered %',
          'deliveries/s',
          'peak RSS MB',
          'gen %',
          'generator-bound',
        ],
        rows: result.targets.map((name) => [
          labelOf(TARGETS, name),
          fmtSpread(
            s(name, (r) => r.serverCpuUtil * 100),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.serverCpuSec),
            2,
          ),
          fmtSpread(
            s(name, (r) => (r.serverSysSec / r.serverCpuSec) * 100),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.seenByAll.p50),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.seenByAll.p99),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.seenByAll.max),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.incompleteMoves),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.delivery.p50),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.delivery.p99),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.deliveredRatio * 100),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.deliveriesPerSec),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.serverPeakRssBytes / 1024 / 1024),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.generatorCpuUtil * 100),
            0,
          ),
          runs.some((run) => run.target === name && (run.result as CaseResult | undefined)?.generatorBound) ? 'yes' : 'no',
        ]),
      })
      const anchors = ANCHORS.filter((a) => result.targets.includes(a))
      tables.push({
        title: `Presence, ${presenceCase.label}: Tandem ÷ anchor`,
        columns: ['metric', ...anchors.map((a) => `÷ ${labelOf(TARGETS, a)}`)],
        rows: [
          ['server CPU', ...anchors.map((a) => fmtRatio(pairedRatio<CaseResult>(runs, 'tandem-sqlite', a, (r) => r.serverCpuSec)))],
          ['seen by all p99', ...anchors.map((a) => fmtRatio(pairedRatio<CaseResult>(runs, 'tandem-sqlite', a, (r) => r.seenByAll.p99)))],
        ],
      })
    }
    return tables
  },
}

export type { CaseResult as PresenceCaseResult }
export function presenceRuns(result: ScenarioResult, caseName: string): RunRecord[] {
  return result.runs.filter((run) => (run.result as CaseResult | undefined)?.case === caseName)
}
