import fs from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'
import {
  failureNote,
  fmt,
  fmtRatio,
  fmtSpread,
  job,
  labelOf,
  MB,
  metricSpread,
  newDataDir,
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
import { directoryBytes } from '../lib/proc'
import type { ColdReadResult, ColdWriteResult, SeedResult } from '../load/jobs-types'
import { buildDocument } from '../load/updates'
import { TARGETS } from '../targets/index'

const TANDEM = ['tandem-sqlite']
const ANCHORS = ['hocuspocus-sqlite', 'reference-leveldb']
const ALL = [...TANDEM, ...ANCHORS]

interface ColdRun {
  readonly history: ColdReadResult
  readonly large: ColdReadResult
  readonly startupMs: number
}

interface Prepared {
  readonly dir: string
  readonly write: ColdWriteResult
  readonly seed: SeedResult
  readonly storageBytes: number
  readonly tandemCounters?: Record<string, number>
}

export const coldload: Scenario = {
  name: 'coldload',
  title: 'Cold load: a 20,000-update history and a 1 MB document, after a restart',
  async run(ctx) {
    const params = { writers: 20, updatesPerWriter: 1_000, chunk: 4, window: 50, largeTextBytes: 1024 * 1024, largeSeed: 7 }
    const largeUpdate = buildDocument(params.largeTextBytes, params.largeSeed, ctx.fixturesDir)
    const largeFile = path.join(ctx.fixturesDir, `doc-${params.largeTextBytes}-${params.largeSeed}.bin`)
    const largeDoc = new Y.Doc()
    Y.applyUpdate(largeDoc, largeUpdate)
    const largeLength = largeDoc.getText('t').length
    const targets = targetsFor(ctx, ALL, TARGETS)
    const shell = scenarioShell(this.name, this.title, { ...params, largeUpdateBytes: largeUpdate.length }, targets)

    // Write each history once, through the server (so Tandem's compaction runs as in life),
    // stop the server, and keep the directory as the pristine copy every repetition starts from.
    const prepared = new Map<string, Prepared>()
    for (const spec of targets) {
      const dir = newDataDir(`${spec.name}-pristine`)
      try {
        const { value, tandemCounters } = await withTarget(
          ctx,
          spec,
          async (target) => {
            const base = { baseUrl: target.baseUrl, protocol: spec.protocol, serverPid: target.pid, seed: 6000 }
            const write = await job<ColdWriteResult>(
              ctx,
              {
                kind: 'coldwrite',
                ...base,
                docName: 'cold-history',
                writers: params.writers,
                updatesPerWriter: params.updatesPerWriter,
                chunk: params.chunk,
                window: params.window,
              },
              300_000,
            )
            const seed = await job<SeedResult>(ctx, { kind: 'seed', ...base, docName: 'cold-large', seedFile: largeFile }, 120_000)
            // Let debounced stores (Hocuspocus) and asynchronous writes (LevelDB) finish before the stop.
            await sleep(4_000)
            return { write, seed }
          },
          { dataDir: dir },
        )
        prepared.set(spec.name, { dir, ...value, storageBytes: directoryBytes(dir), tandemCounters })
        ctx.log(
          `    coldload ${spec.name}: wrote ${value.write.updates} updates in ${fmt(value.write.durationMs / 1000, 1)} s; ${fmt(directoryBytes(dir) / MB, 2)} MB on disk`,
        )
      } catch (err) {
        ctx.log(`    coldload ${spec.name}: preparing failed: ${(err as Error).message.split('\n')[0]}`)
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }

    const readOnce = async (spec: (typeof targets)[number], dir: string, docName: string, expectedLength: number) => {
      return withTarget(
        ctx,
        spec,
        async (target) => {
          const startupMs = target.startupMs
          const result = await job<ColdReadResult>(
            ctx,
            {
              kind: 'coldread',
              baseUrl: target.baseUrl,
              protocol: spec.protocol,
              serverPid: target.pid,
              seed: 0,
              docName,
              expectedLength,
              timeoutMs: 60_000,
            },
            120_000,
          )
          if (!result.complete) throw new Error(`${docName}: the client got ${result.length} of ${expectedLength} characters`)
          return { result, startupMs }
        },
        { dataDir: dir },
      )
    }

    const count = reps(ctx, 5, 1)
    const runs = await repeat<ColdRun>(
      ctx,
      count,
      targets.filter((spec) => prepared.has(spec.name)),
      'coldload',
      async (spec) => {
        const pristine = prepared.get(spec.name)!
        const work = newDataDir(`${spec.name}-cold`)
        try {
          fs.cpSync(pristine.dir, work, { recursive: true })
          const history = await readOnce(spec, work, 'cold-history', pristine.write.expectedLength)
          fs.rmSync(work, { recursive: true, force: true })
          fs.cpSync(pristine.dir, work, { recursive: true })
          const large = await readOnce(spec, work, 'cold-large', largeLength)
          return {
            value: { history: history.value.result, large: large.value.result, startupMs: history.value.startupMs },
            otherLoadBefore: history.otherLoadBefore,
            tandemCounters: history.tandemCounters,
            serverExit: history.serverExit,
          }
        } finally {
          fs.rmSync(work, { recursive: true, force: true })
        }
      },
      (r) => `history synced in ${fmt(r.history.syncedMs, 1)} ms, 1 MB document in ${fmt(r.large.syncedMs, 1)} ms`,
    )
    const preparedData = Object.fromEntries(
      [...prepared].map(([name, p]) => [
        name,
        {
          writeMs: p.write.durationMs,
          updates: p.write.updates,
          updateBytes: p.write.updateBytes,
          storageBytes: p.storageBytes,
          seedAckMs: p.seed.ackMs,
          tandemCounters: p.tandemCounters,
        },
      ]),
    )
    for (const p of prepared.values()) fs.rmSync(p.dir, { recursive: true, force: true })
    return shell.finish(
      runs as RunRecord[],
      [
        `History: ${params.writers} clients each append ${params.updatesPerWriter} updates of ${params.chunk} characters through the server ` +
          `(at most ${params.window} unacknowledged each), then disconnect; the server is stopped with SIGTERM after 4 s. ` +
          `1 MB document: ${fmt(largeLength / 1024, 0)} K characters by 20 authors, uploaded as one ${fmt(largeUpdate.length / MB, 2)} MB update. ` +
          "Every repetition restarts the server on a fresh copy of the stopped server's directory (the files are in the OS page cache: " +
          '"cold" means not in the server\'s memory), and times one new client from opening its socket until its Y.Doc holds the whole text.',
      ],
      { prepared: preparedData },
    )
  },
  tables(result): Table[] {
    const runs = result.runs
    const s = (name: string, metric: (r: ColdRun) => number) => metricSpread<ColdRun>(runs, name, metric)
    const prepared = (result.data?.prepared ?? {}) as Record<string, { writeMs: number; storageBytes: number }>
    const anchors = ANCHORS.filter((a) => result.targets.includes(a))
    return [
      {
        title: 'Cold load after a restart: time for a new client to hold the whole document',
        note:
          '"first step 2" = when the server\'s answer to the client\'s sync request arrived (the reference server answers from the still-empty ' +
          'document before LevelDB has loaded, so its content arrives later as an update). Server start-up (spawn until listening) is not included.' +
          (failureNote(runs) ? ` ${failureNote(runs)}` : ''),
        columns: [
          'target',
          '20k history: synced ms',
          'first step 2 ms',
          'step 2 KB',
          '1 MB doc: synced ms',
          'first step 2 ms',
          'on disk MB',
          'writing the history s',
          'server start ms',
        ],
        rows: result.targets.map((name) => [
          labelOf(TARGETS, name),
          fmtSpread(
            s(name, (r) => r.history.syncedMs),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.history.firstStep2Ms),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.history.step2Bytes / 1024),
            0,
          ),
          fmtSpread(
            s(name, (r) => r.large.syncedMs),
            1,
          ),
          fmtSpread(
            s(name, (r) => r.large.firstStep2Ms),
            1,
          ),
          prepared[name] ? fmt(prepared[name].storageBytes / MB, 2) : '–',
          prepared[name] ? fmt(prepared[name].writeMs / 1000, 1) : '–',
          fmtSpread(
            s(name, (r) => r.startupMs),
            0,
          ),
        ]),
      },
      {
        title: 'Cold load: Tandem ÷ anchor',
        columns: ['', ...anchors.flatMap((a) => [`history ÷ ${labelOf(TARGETS, a)}`, `1 MB ÷ ${labelOf(TARGETS, a)}`])],
        rows: TANDEM.filter((t) => result.targets.includes(t)).map((t) => [
          labelOf(TARGETS, t),
          ...anchors.flatMap((a) => [
            fmtRatio(pairedRatio<ColdRun>(runs, t, a, (r) => r.history.syncedMs)),
            fmtRatio(pairedRatio<ColdRun>(runs, t, a, (r) => r.large.syncedMs)),
          ]),
        ]),
      },
    ]
  },
}

export type { ColdRun }
