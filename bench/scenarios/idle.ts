import {
  failureNote,
  fmt,
  fmtRatio,
  fmtSpread,
  job,
  KB,
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
import type { IdleResult } from '../load/jobs-types'
import { TARGETS } from '../targets/index'

const TANDEM = ['tandem-sqlite']
const ANCHORS = ['bare-ws', 'reference', 'hocuspocus']
const ALL = [...TANDEM, ...ANCHORS]

export const idle: Scenario = {
  name: 'idle',
  title: 'Idle: 10,000 connections that completed the handshake',
  async run(ctx) {
    const params = { docs: 1_000, clientsPerDoc: 10, concurrency: 200, settleMs: ctx.quick ? 3_000 : 5_000 }
    const targets = targetsFor(ctx, ALL, TARGETS)
    const shell = scenarioShell(this.name, this.title, params, targets)
    const count = reps(ctx, 2, 1)
    const runs = await repeat<IdleResult>(
      ctx,
      count,
      targets,
      'idle',
      (spec, rep) =>
        withTarget(ctx, spec, (target) =>
          job<IdleResult>(
            ctx,
            {
              kind: 'idle',
              baseUrl: target.baseUrl,
              protocol: spec.protocol,
              serverPid: target.pid,
              seed: 5000 + rep,
              docs: params.docs,
              clientsPerDoc: params.clientsPerDoc,
              docPrefix: 'idle',
              concurrency: params.concurrency,
              settleMs: params.settleMs,
            },
            300_000,
          ),
        ),
      (r) =>
        `${r.connections} connected (${r.failures} failed, ${r.stillOpen} open after settling), ${fmt(r.perConnectionBytes / KB, 1)} KB per connection`,
    )
    return shell.finish(runs as RunRecord[], [
      'Each connection completes the sync handshake of its protocol (Hocuspocus: auth first) on an empty document, 10 connections per document, ' +
        'and sends nothing else (no presence). Per connection = (median RSS over 2 s after settling − median RSS before connecting) ÷ connections, ' +
        'so the per-document cost (1,000 empty documents) is included, spread over 10 connections each.',
    ])
  },
  tables(result): Table[] {
    const runs = result.runs
    const s = (name: string, metric: (r: IdleResult) => number) => metricSpread<IdleResult>(runs, name, metric)
    const anchors = ANCHORS.filter((a) => result.targets.includes(a))
    return [
      {
        title: 'Idle: 10,000 handshaken connections (1,000 documents × 10)',
        note: failureNote(runs),
        columns: [
          'target',
          'KB per connection',
          'RSS before MB',
          'RSS with 10k MB',
          'peak RSS MB',
          'connected',
          'open after settling',
          'connect time s',
        ],
        rows: result.targets.map((name) => [
          labelOf(TARGETS, name),
          fmtSpread(
            s(name, (r) => r.perConnectionBytes / KB),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.rssBaselineBytes / MB),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.rssLoadedBytes / MB),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.peakRssBytes / MB),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.connections),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.stillOpen),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.connectMs / 1000),
            1,
          ),
        ]),
      },
      {
        title: 'Idle: bytes per connection, Tandem ÷ anchor',
        columns: ['', ...anchors.map((a) => `÷ ${labelOf(TARGETS, a)}`)],
        rows: TANDEM.filter((t) => result.targets.includes(t)).map((t) => [
          labelOf(TARGETS, t),
          ...anchors.map((a) => fmtRatio(pairedRatio<IdleResult>(runs, t, a, (r) => r.perConnectionBytes))),
        ]),
      },
    ]
  },
}
