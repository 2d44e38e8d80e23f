import * as decoding from 'lib0/decoding'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CONTENT_FIELD, writeSyncStep1, writeUpdate } from '../../lib/protocol'
import { SqliteStorage } from '../../server/storage/sqlite'
import { presenceRoundTrip } from '../helpers/barrier'
import { connectClient, connectSynced, type TestClient } from '../helpers/clients'
import { GatedStorage } from '../helpers/gated-storage'
import { openRaw, type RawSocket } from '../helpers/raw-socket'
import { createRng, type Rng, seedsFromEnv } from '../helpers/seeded-random'
import { startServer } from '../helpers/server'
import { type ServerProcess, spawnServer } from '../helpers/server-process'
import { readStoredDoc } from '../helpers/storage-inspect'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { sleep, waitFor } from '../helpers/wait'

/**
 * [S2] A SIGKILL at any moment loses no update that any peer has received.
 *
 * The real server runs as a child process on one data dir. Writers make a steady stream of
 * small, uniquely named edits (`map.set("r<round>w<i>-<n>", n)`): raw wire-protocol writers,
 * which see exactly which of their updates came back (the server echoes each update to its
 * sender once stored, D4), and a stock y-websocket writer. Observers record what the server
 * sent them: a stock client per document that stays connected, a stream of fresh stock clients
 * that join during the writes, and raw "probers" that ask for sync step 2 every 2 ms (D5: those
 * replies may carry only stored content). At a seeded moment the
 * server is SIGKILLed; a new process starts on the same data dir and a fresh client checks
 * that every edit any observer held, and every edit echoed to its writer, is there — for this
 * round and every earlier one. Edits nobody saw may legitimately be lost; they are counted.
 *
 * TANDEM_CRASH_SEED=<n> replays a run's script (kill moments, write pacing); the OS
 * scheduling still differs from run to run.
 */

const SEED = seedsFromEnv('TANDEM_CRASH_SEED', [0xc4a5b])[0] as number
const KILLS = Number(process.env.TANDEM_CRASH_KILLS ?? 8)
const DOCS = ['crash-a', 'crash-b'] as const
type DocId = (typeof DOCS)[number]
/** Raw writers and the doc each writes to; two docs exercise group commit across documents (D6). */
const RAW_WRITERS: readonly DocId[] = ['crash-a', 'crash-a', 'crash-b']

/** The payload of a server `update` frame (00 02 …), or null for any other message. */
function updatePayload(frame: Uint8Array): Uint8Array | null {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== 0) return null
  if (decoding.readVarUint(decoder) !== 2) return null
  return decoding.readVarUint8Array(decoder)
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/** Speaks the wire protocol by hand, so it knows exactly which of its updates were echoed. */
class RawWriter {
  readonly doc = new Y.Doc()
  /** hex(update) → the key that update set */
  private readonly sentUpdates = new Map<string, string>()

  constructor(
    readonly docId: DocId,
    readonly prefix: string,
    readonly socket: RawSocket,
  ) {}

  /** Sets `<prefix>-<n>` = n and sends the update; false (nothing counted) if the socket is gone. */
  write(n: number): boolean {
    if (this.socket.ws.readyState !== this.socket.ws.OPEN) return false
    const key = `${this.prefix}-${n}`
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => (update = u)
    this.doc.on('update', capture)
    this.doc.getMap('m').set(key, n)
    this.doc.off('update', capture)
    if (!update) throw new Error('no update captured')
    this.sentUpdates.set(hex(update), key)
    this.socket.send(writeUpdate(update))
    return true
  }

  /** Keys whose update came back from the server byte for byte. */
  echoedKeys(): string[] {
    const keys: string[] = []
    for (const frame of this.socket.received) {
      const payload = updatePayload(frame)
      const key = payload && this.sentUpdates.get(hex(payload))
      if (key) keys.push(key)
    }
    return keys
  }
}

/** A raw client that asks for sync step 2 again and again and applies what it gets. */
class Prober {
  readonly doc = new Y.Doc()
  replies = 0
  private readonly timer: NodeJS.Timeout

  constructor(
    readonly docId: DocId,
    readonly socket: RawSocket,
  ) {
    socket.ws.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data))
      if (decoding.readVarUint(decoder) !== 0) return
      const syncType = decoding.readVarUint(decoder)
      if (syncType === 1) this.replies++
      if (syncType === 1 || syncType === 2) Y.applyUpdate(this.doc, decoding.readVarUint8Array(decoder))
    })
    this.timer = setInterval(() => {
      if (socket.ws.readyState === socket.ws.OPEN) socket.send(writeSyncStep1(Y.encodeStateVector(this.doc)))
    }, 2)
  }

  stop(): void {
    clearInterval(this.timer)
    this.socket.ws.terminate()
    this.doc.destroy()
  }
}

interface Totals {
  kills: number
  written: number
  seenByPeers: number
  seenByObservers: number
  echoed: number
  lostOfSeen: number
  unseenWritten: number
  unseenSurvived: number
}

const dataDir = makeTempDir('tandem-crash-')
let current: ServerProcess | null = null
const liveClients = new Set<TestClient>()
/** Raw sockets and timers to stop if a round fails half-way. */
const liveOthers = new Set<() => void>()

afterAll(async () => {
  for (const client of liveClients) client.destroy()
  for (const stop of liveOthers) stop()
  if (current && current.child.exitCode === null && current.child.signalCode === null) {
    current.child.kill('SIGKILL')
    await current.exited
  }
  removeDir(dataDir)
})

function track(client: TestClient): TestClient {
  liveClients.add(client)
  return client
}

function drop(client: TestClient): void {
  liveClients.delete(client)
  client.destroy()
}

function mapKeys(doc: Y.Doc): string[] {
  return [...doc.getMap('m').keys()]
}

/** One round: edits under load, a SIGKILL at `killAfterMs`, then wait until the clients saw the end. */
async function editAndKill(server: ServerProcess, round: number, rng: Rng, killAfterMs: number): Promise<RoundResult> {
  const written = new Map<string, number>() // key → value

  // Observers that stay connected for the whole round, one per document.
  const steady = await Promise.all(DOCS.map((docId) => connectSynced(server.wsUrl, docId).then(track)))
  // Probers: resend sync step 1 with their state vector every few milliseconds (what
  // y-websocket's `resyncInterval` does), so they keep receiving sync step 2 replies while
  // updates stream in — the replies D5 holds back until nothing of the room is pending.
  const probers = await Promise.all(
    DOCS.map(async (docId) => {
      const prober = new Prober(docId, await openRaw(`${server.wsUrl}/${docId}`))
      liveOthers.add(() => prober.stop())
      return prober
    }),
  )
  // Writers.
  const raw = await Promise.all(
    RAW_WRITERS.map(async (docId, i) => {
      const socket = await openRaw(`${server.wsUrl}/${docId}`)
      liveOthers.add(() => socket.ws.terminate())
      return new RawWriter(docId, `r${round}w${i}`, socket)
    }),
  )
  const stockWriter = track(await connectSynced(server.wsUrl, 'crash-a'))

  let stop = false
  const deadline = Date.now() + killAfterMs + 3_000
  const writerLoops = raw.map(async (writer, i) => {
    const own = createRng((rng.seed ^ (round * 7919 + i * 104_729)) >>> 0)
    let n = 0
    while (!stop && Date.now() < deadline) {
      const burst = own.between(1, 3)
      for (let b = 0; b < burst; b++) {
        if (writer.write(n)) written.set(`${writer.prefix}-${n}`, n)
        n++
      }
      await sleep(own.between(1, 6))
    }
  })
  const stockLoop = (async () => {
    const own = createRng((rng.seed ^ (round * 31 + 0x5707)) >>> 0)
    let n = 0
    while (!stop && Date.now() < deadline) {
      if (!stockWriter.provider.wsconnected) break
      const key = `r${round}s-${n}`
      stockWriter.doc.getMap('m').set(key, n)
      written.set(key, n)
      n++
      await sleep(own.between(2, 8))
    }
  })()

  // Joiners: fresh stock clients that arrive during the writes; what they hold came in sync
  // step 2 (plus updates), which the server may send only when nothing of the room is pending.
  const joiners: TestClient[] = []
  const joinerLoop = (async () => {
    const own = createRng((rng.seed ^ (round * 131 + 0x701)) >>> 0)
    while (!stop && Date.now() < deadline) {
      joiners.push(track(connectClient(server.wsUrl, own.pick(DOCS))))
      await sleep(own.between(30, 120))
    }
  })()

  await sleep(killAfterMs)
  server.child.kill('SIGKILL')
  stop = true
  const exit = await server.exited
  expect(exit, 'the server died of SIGKILL').toBe('SIGKILL')
  await Promise.all([...writerLoops, stockLoop, joinerLoop])

  // Let every frame the dead server had sent reach the clients: wait until each socket closed.
  await waitFor(
    () =>
      raw.every((w) => w.socket.ws.readyState === w.socket.ws.CLOSED) &&
      probers.every((p) => p.socket.ws.readyState === p.socket.ws.CLOSED) &&
      [...steady, stockWriter, ...joiners].every((c) => !c.provider.wsconnected),
    'clients to see the dead server',
    5_000,
  )

  // Everything an observer's document holds came from the server (observers never edit).
  const observed = new Map<string, string>() // key → who held it
  const note = (key: string, who: string) => {
    if (written.has(key) && !observed.has(key)) observed.set(key, who)
  }
  for (const [i, client] of steady.entries()) for (const key of mapKeys(client.doc)) note(key, `steady observer of ${DOCS[i]}`)
  for (const client of joiners) for (const key of mapKeys(client.doc)) note(key, 'joiner')
  for (const prober of probers) for (const key of mapKeys(prober.doc)) note(key, `prober of ${prober.docId}`)
  // The stock writer observes the raw writers' edits on crash-a (not its own: it made those).
  for (const key of mapKeys(stockWriter.doc)) if (!key.startsWith(`r${round}s-`)) note(key, 'stock writer as observer')
  const echoed = new Set(raw.flatMap((writer) => writer.echoedKeys()))

  for (const client of [...steady, stockWriter, ...joiners]) drop(client)
  const probes = probers.reduce((sum, p) => sum + p.replies, 0)
  for (const prober of probers) prober.stop()
  for (const writer of raw) {
    writer.socket.ws.terminate()
    writer.doc.destroy()
  }
  liveOthers.clear()
  return { written, observed, echoed, joiners: joiners.length, probes }
}

interface RoundResult {
  readonly written: Map<string, number>
  readonly observed: Map<string, string>
  readonly echoed: Set<string>
  readonly joiners: number
  /** Sync step 2 replies the probers received. */
  readonly probes: number
}

/** Connects a fresh client to each document and returns the map contents (key → value). */
async function readBack(server: ServerProcess): Promise<Map<string, unknown>> {
  const contents = new Map<string, unknown>()
  for (const docId of DOCS) {
    const client = track(await connectSynced(server.wsUrl, docId, new Y.Doc()))
    // [D6] updates of a document are stored in arrival order: nothing stored depends on
    // something that is not stored (that would leave Yjs structs pending, i.e. invisible).
    expect(client.doc.store.pendingStructs, `stored ${docId} has a hole (an update without its predecessor)`).toBeNull()
    expect(client.doc.store.pendingDs, `stored ${docId} has a pending delete set`).toBeNull()
    for (const [key, value] of client.doc.getMap('m').entries()) contents.set(key, value)
    drop(client)
  }
  return contents
}

describe('crash safety: SIGKILL of the server process', () => {
  it(`[S2][D3][D4][D5][D6] ${KILLS} SIGKILLs at seeded moments lose no edit any peer received (seed ${SEED})`, async () => {
    const started = Date.now()
    const rng = createRng(SEED)
    console.log(`[crash] seed=${SEED} (replay: TANDEM_CRASH_SEED=${SEED}) kills=${KILLS} dataDir=${dataDir}`)
    const totals: Totals = {
      kills: 0,
      written: 0,
      seenByPeers: 0,
      seenByObservers: 0,
      echoed: 0,
      lostOfSeen: 0,
      unseenWritten: 0,
      unseenSurvived: 0,
    }
    /** Every edit any peer has received, over all rounds: key → value. */
    const mustSurvive = new Map<string, number>()
    /** Every edit written, over all rounds (nothing else may appear in storage). */
    const allWritten = new Map<string, number>()
    // The script, drawn up front so that timing cannot shift later draws: when to kill, and
    // how often each process compacts (16: a kill can land during or right after a compaction).
    const plan = Array.from({ length: KILLS + 1 }, () => ({
      killAfterMs: rng.between(100, 900),
      compactAfter: rng.chance(0.5) ? '16' : '500',
    }))
    const spawnArgs = (round: number) => ['--port', '0', '--data-dir', dataDir, '--compact-after', plan[round - 1]!.compactAfter]

    current = await spawnServer(spawnArgs(1))
    for (let round = 1; round <= KILLS; round++) {
      const killAfterMs = plan[round - 1]!.killAfterMs
      const { written, observed, echoed, joiners, probes } = await editAndKill(current, round, rng, killAfterMs)
      const seen = new Set([...observed.keys(), ...echoed])
      for (const key of seen) mustSurvive.set(key, written.get(key) as number)
      for (const [key, value] of written) allWritten.set(key, value)
      totals.kills++
      totals.written += written.size
      totals.seenByPeers += seen.size
      totals.seenByObservers += observed.size
      totals.echoed += echoed.size

      // A new process on the same data dir; a fresh client reads everything back.
      current = await spawnServer(spawnArgs(round + 1))
      const stored = await readBack(current)
      const lost = [...mustSurvive].filter(([key, value]) => stored.get(key) !== value)
      const unseen = [...written.keys()].filter((key) => !seen.has(key))
      const unseenSurvived = unseen.filter((key) => stored.has(key)).length
      totals.lostOfSeen += lost.length
      totals.unseenWritten += unseen.length
      totals.unseenSurvived += unseenSurvived
      console.log(
        `[crash] round ${round} (compact-after ${plan[round - 1]!.compactAfter}): SIGKILL after ${killAfterMs} ms — written ${written.size}, seen by peers ${seen.size} ` +
          `(held by observers ${observed.size}; ${joiners} joiners, ${probes} step-2 probes; echoed ${echoed.size}), unseen ${unseen.length} ` +
          `(survived anyway ${unseenSurvived}), stored in all ${stored.size}, lost of seen ${lost.length}`,
      )
      expect(
        lost.slice(0, 10).map(([key, value]) => ({
          key,
          value,
          stored: stored.get(key),
          seenBy: observed.get(key) ?? (echoed.has(key) ? 'echo to its writer' : 'a peer in an earlier round'),
        })),
        `round ${round}: edits a peer had received but that are gone after the restart (${lost.length} in all)`,
      ).toEqual([])
      // And nothing appears that nobody wrote, with other values than written.
      const phantoms = [...stored].filter(([key, value]) => allWritten.get(key) !== value)
      expect(phantoms.slice(0, 10), 'stored entries that no writer wrote').toEqual([])
    }

    // The test must have tested something: edits were seen by peers in every round.
    expect(totals.kills).toBe(KILLS)
    expect(totals.seenByPeers).toBeGreaterThan(KILLS * 20)
    expect(totals.echoed).toBeGreaterThan(0)

    // Finally a graceful stop of the last process.
    current.child.kill('SIGTERM')
    expect(await current.exited).toBe(0)
    console.log(
      `[crash] seed=${SEED}: kills=${totals.kills} edits written=${totals.written} seen by peers=${totals.seenByPeers} ` +
        `(held by observers=${totals.seenByObservers}, echoed to writers=${totals.echoed}) ` +
        `lost of seen=${totals.lostOfSeen} unseen=${totals.unseenWritten} (survived anyway ${totals.unseenSurvived}) ` +
        `in ${Date.now() - started} ms`,
    )
  }, 90_000)
})

/**
 * The same rule, deterministically: hold the commit of one update (a real SQLite storage
 * behind a gate) and look at what the server reveals meanwhile. Whatever it reveals before the
 * commit is what a SIGKILL at that moment would make a reader have seen and the server lose.
 */
describe('content is revealed only once stored', () => {
  const MARK = 'not-yet-stored-7f3a'

  async function setup() {
    const dataDir = makeTempDir('tandem-reveal-')
    const storage = new GatedStorage(new SqliteStorage({ dataDir }))
    const running = await startServer({}, { storage }, dataDir)
    const docId = 'reveal-doc'
    const writer = await connectSynced(running.wsUrl, docId)
    // Something stored first, so "empty" is not the only safe answer.
    const fragment = writer.doc.getXmlFragment(CONTENT_FIELD)
    const paragraph = (text: string) => {
      const p = new Y.XmlElement('paragraph')
      p.insert(0, [new Y.XmlText(text)])
      return p
    }
    fragment.insert(0, [paragraph('stored line')])
    const room = () => running.server.rooms.loadedRoom(docId)
    await waitFor(() => room()?.pending === 0 && room()?.doc.getXmlFragment(CONTENT_FIELD).length === 1, 'the first line to be stored')

    const release = storage.holdAppends()
    let released = false
    const releaseOnce = () => {
      if (!released) release()
      released = true
    }
    fragment.insert(1, [paragraph(MARK)])
    await waitFor(() => (room()?.pending ?? 0) > 0, 'the server to hold an uncommitted update')
    const cleanup = async () => {
      releaseOnce()
      writer.destroy()
      await running.stop()
      removeDir(dataDir)
    }
    return { running, dataDir, docId, room, releaseOnce, cleanup }
  }

  it('[D5][S2] while an update waits for its commit, a joining client is not sent it (sync step 2 waits)', async () => {
    const { running, docId, room, releaseOnce, cleanup } = await setup()
    try {
      const reader = connectClient(running.wsUrl, docId)
      try {
        // The reader's sync step 1 goes out on open; once presence comes back for a query sent
        // after it, the server has handled that step 1, and a sync step 2 sent at once would be here.
        await waitFor(() => reader.provider.wsconnected, 'the reader to connect')
        await presenceRoundTrip(reader)
        expect(room()?.pending, 'the commit is still held').toBeGreaterThan(0)
        expect(reader.provider.synced, 'sync step 2 was sent while an update was pending').toBe(false)
        expect(reader.doc.getXmlFragment(CONTENT_FIELD).toString()).not.toContain(MARK)
        releaseOnce()
        await waitFor(() => reader.provider.synced, 'the reader to sync once the update is stored')
        expect(reader.doc.getXmlFragment(CONTENT_FIELD).toString()).toContain(MARK)
      } finally {
        reader.destroy()
      }
    } finally {
      await cleanup()
    }
  })

  it('[D5][S2][H3] while an update waits for its commit, GET /api/docs/<id>?format=text does not return it', async () => {
    const { running, dataDir, docId, room, releaseOnce, cleanup } = await setup()
    try {
      const url = `${running.httpUrl}/api/docs/${docId}?format=text`
      // Either the read waits for the commit (no answer within the second) or it answers
      // without the uncommitted line. Answering with it reveals content a crash could lose.
      const during = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
        async (res) => ({ status: res.status, body: await res.text() }),
        () => null,
      )
      const stillPending = (room()?.pending ?? 0) > 0
      expect(stillPending, 'the commit was still held when the read was answered').toBe(true)
      // What a SIGKILL now would leave: the SQLite file has the first line only.
      const onDisk = await readStoredDoc(dataDir, docId)
      expect(onDisk.doc.getXmlFragment(CONTENT_FIELD).toString()).toContain('stored line')
      expect(onDisk.doc.getXmlFragment(CONTENT_FIELD).toString()).not.toContain(MARK)
      onDisk.doc.destroy()
      if (during) {
        expect(during.status).toBe(200)
        expect(during.body, 'REST read answered with content that is not stored yet').not.toContain(MARK)
      }
      releaseOnce()
      await waitFor(() => room()?.pending === 0, 'the held update to be stored')
      const after = await fetch(url).then((res) => res.text())
      expect(after).toContain(MARK)
    } finally {
      await cleanup()
    }
  })
})
