import { spawnSync } from 'node:child_process'
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

/** The connection count the issue asks for: very many idle connections on one process. */
const WANTED_CONNECTIONS = 100_000
const CLIENTS_PER_DOC = 10
/** Descriptors kept free for everything else a server or the generator opens (files, listeners, IPC). */
const SPARE_DESCRIPTORS = 1_000

/**
 * Every connection is a file descriptor in the server and another in the generator, and an
 * unprivileged process cannot raise its open-files limit above the hard limit (`ulimit -Hn`).
 * Both are started with the limit raised that far (shellArgs), so the scenario holds as many
 * connections as that allows, up to 100,000, in whole thousands.
 */
export function idleConnectionCount(hardLimit = hardOpenFilesLimit()): number {
  const fitting = Math.floor((hardLimit - SPARE_DESCRIPTORS) / 1_000) * 1_000
  return Math.max(1_000, Math.min(WANTED_CONNECTIONS, fitting))
}

function hardOpenFilesLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()
  return out === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out) || 1_024
}

const TANDEM = ['tandem-sqlite']
const ANCHORS = ['bare-ws', 'reference', 'hocuspocus']
const ALL = [...TANDEM, ...ANCHORS]

export const idle: Scenario = {
  name: 'idle',
  title: 'Idle: up to 100,000 connections that completed the handshake',
  async run(ctx) {
    const connections = ctx.quick ? 10_000 : idleConnectionCount()
    const params = {
      connections,
      docs: connections / CLIENTS_PER_DOC,
      clientsPerDoc: CLIENTS_PER_DOC,
      hardOpenFilesLimit: hardOpenFilesLimit(),
      concurrency: 200,
      settleMs: ctx.quick ? 3_000 : 5_000,
    }
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
      `${fmt(params.connections, 0)} connections: as many as the open-files hard limit here (${params.hardOpenFilesLimit}) allows each process, up to 100,000 ` +
        '(a connection is a descriptor in the server and one in the generator; both raise their limit to the hard limit). ' +
        'Each connection completes the sync handshake of its protocol (Hocuspocus: auth first) on an empty document, 10 connections per document, ' +
        'and sends nothing else (no presence). Per connection = (median RSS over 2 s after settling − median RSS before connecting) ÷ connections, ' +
        'so the per-document cost (one empty document per 10 connections) is included, spread over 10 connections each.',
    ])
  },
  tables(result): Table[] {
    const runs = result.runs
    const s = (name: string, metric: (r: IdleResult) => number) => metricSpread<IdleResult>(runs, name, metric)
    const anchors = ANCHORS.filter((a) => result.targets.includes(a))
    return [
      {
        title: `Idle: ${fmt(Number(result.params.connections ?? 10_000), 0)} handshaken connections (documents × 10)`,
        note: failureNote(runs),
        columns: [
          'target',
          'KB per connection',
          'RSS before MB',
          'RSS with all MB',
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
