import path from 'node:path'
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
import type { JoinStormResult } from '../load/jobs-types'
import { buildDocument } from '../load/updates'
import { TARGETS } from '../targets/index'

const TANDEM = ['tandem-sqlite', 'tandem-memory']
const ANCHORS = ['reference', 'hocuspocus']
/** The floor: the bare relay answering every sync request with the document as fixed bytes. */
const FLOOR = 'bare-ws'
const ALL = [...TANDEM, ...ANCHORS, FLOOR]
export const STORM_DOC_BYTES = 4 * 1024 * 1024

export const joinstorm: Scenario = {
  name: 'joinstorm',
  title: 'Join storm: 150 clients open a 4 MB document at once',
  async run(ctx) {
    const params = { clients: 150, documentTextBytes: STORM_DOC_BYTES, seed: 42, timeoutMs: 60_000 }
    const update = buildDocument(params.documentTextBytes, params.seed, ctx.fixturesDir)
    const seedFile = path.join(ctx.fixturesDir, `doc-${params.documentTextBytes}-${params.seed}.bin`)
    const targets = targetsFor(ctx, ALL, TARGETS)
    const shell = scenarioShell(this.name, this.title, { ...params, updateBytes: update.length }, targets)
    const count = reps(ctx, 3, 1)
    const runs = await repeat<JoinStormResult>(
      ctx,
      count,
      targets,
      'joinstorm',
      (spec, rep) =>
        withTarget(
          ctx,
          spec,
          (target) =>
            job<JoinStormResult>(
              ctx,
              {
                kind: 'joinstorm',
                baseUrl: target.baseUrl,
                protocol: spec.protocol,
                serverPid: target.pid,
                seed: 4000 + rep,
                docName: 'storm',
                seedFile,
                clients: params.clients,
                timeoutMs: params.timeoutMs,
              },
              240_000,
            ),
          { env: spec.name === FLOOR ? { BARE_SYNC_STEP2_FILE: seedFile } : undefined },
        ),
      (r) =>
        `synced p50 ${fmt(r.synced.p50, 0)} ms / p99 ${fmt(r.synced.p99, 0)} ms, ${r.failures} failed, peak RSS ${fmt(r.peakRssBytes / MB, 0)} MB`,
      (r) => r.otherCpuUtil,
    )
    return shell.finish(runs as RunRecord[], [
      `The document: ${(params.documentTextBytes / MB).toFixed(0)} MB of text written by 20 authors (paragraphs inserted at random places, a deletion every tenth step), ` +
        `${(update.length / MB).toFixed(2)} MB as one Yjs update. One client uploads it and stays connected; 1 s later the 150 sockets are opened in the same event-loop turn. ` +
        'Synced = the client received sync step 2 (for Hocuspocus after its auth round trip). Peak RSS is reset just before the storm (/proc/<pid>/clear_refs). ' +
        'The bare relay is the floor here: it answers every sync step 1 with the document as one step 2 framed once at start (no Yjs, no encoding per client), ' +
        'so its time is what moving 150 copies through the kernel and the generator costs on this machine.',
    ])
  },
  tables(result): Table[] {
    const runs = result.runs
    const s = (name: string, metric: (r: JoinStormResult) => number) => metricSpread<JoinStormResult>(runs, name, metric)
    const anchors = [...ANCHORS, FLOOR].filter((a) => result.targets.includes(a))
    return [
      {
        title: 'Join storm: 150 clients join a 4 MB document at once',
        note: failureNote(runs),
        columns: [
          'target',
          'synced p50 ms',
          'p99 ms',
          'max ms',
          'failed',
          'smallest step 2 MB',
          'peak RSS MB',
          'RSS before MB',
          'server CPU s',
          'gen %',
          'upload ack ms',
        ],
        rows: result.targets.map((name) => [
          labelOf(TARGETS, name),
          fmtSpread(
            s(name, (r) => r.synced.p50),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.synced.p99),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.synced.max),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.failures),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.minStep2Bytes / MB),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.peakRssBytes / MB),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.rssBeforeBytes / MB),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.serverCpuSec),
            2,
          ),
          fmtSpread(
            s(name, (r) => r.generatorCpuUtil * 100),
            0,
          ),
          name === FLOOR
            ? '–'
            : fmtSpread(
                s(name, (r) => r.seedAckMs),
                0,
              ),
        ]),
      },
      {
        title: 'Join storm: Tandem ÷ anchor (÷ bare ws relay = how far above the floor)',
        columns: ['', ...anchors.flatMap((a) => [`p50 ÷ ${labelOf(TARGETS, a)}`, `peak RSS ÷ ${labelOf(TARGETS, a)}`])],
        rows: TANDEM.filter((t) => result.targets.includes(t)).map((t) => [
          labelOf(TARGETS, t),
          ...anchors.flatMap((a) => [
            fmtRatio(pairedRatio<JoinStormResult>(runs, t, a, (r) => r.synced.p50)),
            fmtRatio(pairedRatio<JoinStormResult>(runs, t, a, (r) => r.peakRssBytes)),
          ]),
        ]),
      },
    ]
  },
}
