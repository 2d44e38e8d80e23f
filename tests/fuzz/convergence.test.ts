import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { Connection } from '../../server/rooms/connection'
import { SqliteStorage } from '../../server/storage/sqlite'
import { roundTrip, whenReceived } from '../helpers/events'
import { GatedStorage } from '../helpers/gated-storage'
import { type HeldSocket, heldSocketClass } from '../helpers/held-socket'
import { contents, randomEdit } from '../helpers/random-edits'
import { createRng, seedsFromEnv } from '../helpers/seeded-random'
import { type RunningServer, removeDir, startServer } from '../helpers/server'
import { readStoredDoc, stateVectorObject } from '../helpers/storage-inspect'
import { makeTempDir } from '../helpers/temp-dir'

/**
 * Seeded random convergence through a real server: stock y-websocket clients on two documents
 * make random edits (text with formatting, map, XML fragment, array), disconnect while the
 * others keep editing, edit offline, and reconnect. At the end every replica of a document must
 * be identical (state vector and contents), the server's in-memory copy too, and — read back
 * from the SQLite file with a fresh storage after the server stopped — so must the stored copy.
 *
 * The seed decides everything the test chooses: the edits, the Yjs client ids, when a client
 * goes off- or online, whether its opening frames reach the server while the document loads,
 * and — through sockets that hold every frame until released (HeldSocket) — which frame is
 * delivered next, in which direction. After each frame it releases, the test waits for the
 * server to have read it, stored what it changed and sent the relays (ping round trips and a
 * commit-queue drain), so the order of frames on the wire is the seed's, not the network's:
 * a failing seed replays the same interleaving. Each run prints a digest of every frame it
 * delivered or released (`wire=`); a replay of the seed prints the same one. (What the server
 * does in the background — compaction — still runs when it runs; it sends nothing.)
 *
 * Seeds: TANDEM_FUZZ_SEED=1234 (or 1,2,3, or "random") replaces the default seeds.
 */

const SEEDS = seedsFromEnv('TANDEM_FUZZ_SEED', [0x7a4d01, 0x7a4d02, 0x7a4d03])
const STEPS = Number(process.env.TANDEM_FUZZ_STEPS ?? 400)
const CLIENTS_PER_DOC = [3, 2] as const

interface Replica {
  readonly name: string
  readonly docId: string
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  /** The socket of the current (or last) connection. */
  socket: HeldSocket | null
  /** The server's end of that connection. */
  serverSide: Connection | null
  online: boolean
  destroyed: boolean
}

function destroyReplica(replica: Replica): void {
  if (replica.destroyed) return
  replica.destroyed = true
  replica.provider.destroy()
  replica.doc.destroy()
}

interface RunFigures {
  edits: number
  offlineEdits: number
  disconnects: number
  reconnects: number
  earlyOpens: number
  deliveries: number
}

const isSyncStep1 = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 0

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

interface RunOptions {
  readonly compactAfter?: string
  /** 'clients-first': every client leaves, rooms unload (compacting on unload), then the server stops. */
  readonly teardown: 'clients-first' | 'server-first'
}

async function runSeed(seed: number, options: RunOptions): Promise<void> {
  const rng = createRng(seed)
  const started = Date.now()
  console.log(
    `[fuzz] start seed=${seed} (replay: TANDEM_FUZZ_SEED=${seed}) compactAfter=${options.compactAfter ?? 'default'} teardown=${options.teardown}`,
  )
  const dataDir = makeTempDir()
  // The real SQLite storage, with loads the test can hold (to send a client's opening frames while its document loads).
  const storage = new GatedStorage(new SqliteStorage({ dataDir }))
  const running: RunningServer = await startServer(
    {
      // Rate limits would let the transport hold frames back while a ping is answered (see serverCaughtUp).
      maxMessagesPerSecond: '1000000',
      maxBytesPerSecond: String(1024 ** 3),
      ...(options.compactAfter ? { compactAfterUpdates: options.compactAfter } : {}),
    },
    { storage },
    dataDir,
  )
  let serverStopped = false
  cleanups.push(async () => {
    if (!serverStopped) await running.stop()
    removeDir(dataDir)
  })

  const held = heldSocketClass()
  /** Every frame delivered or released, in order: equal digests mean an equal interleaving. */
  const wire = createHash('sha256')
  const record = (replica: Replica, direction: '<' | '>', frame: Uint8Array | undefined) => {
    if (frame) wire.update(`${replica.name}${direction}${Buffer.from(frame).toString('hex')}\n`)
  }
  const usedClientIds = new Set<number>()
  const replicas: Replica[] = []
  const figures: RunFigures = { edits: 0, offlineEdits: 0, disconnects: 0, reconnects: 0, earlyOpens: 0, deliveries: 0 }
  const live: Replica[] = []
  cleanups.push(() => {
    for (const r of live) destroyReplica(r)
  })

  function makeReplica(name: string, docId: string): Replica {
    const doc = new Y.Doc()
    // Seeded, because the client id orders concurrent inserts.
    let clientId: number
    do clientId = 1 + rng.int(0x7fff_fffe)
    while (usedClientIds.has(clientId))
    usedClientIds.add(clientId)
    doc.clientID = clientId
    const provider = new WebsocketProvider(running.wsUrl, docId, doc, {
      WebSocketPolyfill: held.WebSocket,
      disableBc: true,
      connect: false,
    })
    const replica: Replica = { name, docId, doc, provider, socket: null, serverSide: null, online: false, destroyed: false }
    live.push(replica)
    return replica
  }

  const onlineSockets = (docId: string): HeldSocket[] =>
    live.filter((r) => r.online && r.docId === docId && r.socket).map((r) => r.socket as HeldSocket)

  /**
   * The server has read everything `from` sent (a ping round trip), stored what that changed and
   * sent the relays (the commit queue drained), and they have arrived at every socket of the
   * document (a round trip each: the pong comes back behind them).
   */
  async function serverCaughtUp(docId: string, from?: HeldSocket): Promise<void> {
    if (from) await roundTrip(from.ws)
    await running.server.commitQueue.drain()
    await Promise.all(onlineSockets(docId).map((socket) => roundTrip(socket.ws)))
  }

  function newestServerConnection(): Connection {
    const connections = running.server.rooms.openConnections()
    if (connections.length === 0) throw new Error('the server has no connection')
    return connections.reduce((a, b) => (a.id > b.id ? a : b))
  }

  /**
   * Connects a replica. `early`: whether its sync step 1 and awareness reach the server at once
   * — while the document loads, if it is not loaded (L2 backlog, L6 cold load) — or later, like
   * any other frame (the seed decides unless told).
   */
  async function goOnline(replica: Replica, early = rng.chance(0.5)): Promise<void> {
    const loading = running.server.rooms.loadedRoom(replica.docId) === undefined
    const releaseLoad = early && loading ? storage.holdLoads() : null
    replica.provider.connect()
    const socket = held.sockets.at(-1) as HeldSocket
    if (!(await socket.opened)) throw new Error(`${replica.name} could not connect: ${JSON.stringify(socket.closedByServer)}`)
    // Opens are one at a time, and the server creates its connection before it answers the upgrade.
    replica.serverSide = newestServerConnection()
    replica.socket = socket
    replica.online = true
    if (early) {
      figures.earlyOpens++
      socket.open()
      for (const frame of socket.outbound) record(replica, '>', frame)
      while (socket.releaseOutbound()) {}
      await roundTrip(socket.ws)
    }
    releaseLoad?.()
    // The room sends sync step 1 when the connection joins (after the load, if there was one).
    await whenReceived(socket.ws, () => socket.inbound.some(isSyncStep1), `the server's sync step 1 for ${replica.name}`)
    await serverCaughtUp(replica.docId)
    if (!early) socket.open()
  }

  async function goOffline(replica: Replica): Promise<void> {
    const serverSide = replica.serverSide as Connection
    // y-websocket sends its awareness removal, then closes; the socket lets both out in order.
    replica.provider.disconnect()
    replica.online = false
    if (serverSide.phase !== 'closed') await new Promise<void>((resolve) => serverSide.onClose(() => resolve()))
    await serverCaughtUp(replica.docId)
  }

  /** Delivers one held frame, chosen by the seed among every online socket and both directions; false if none is held. */
  async function deliverOne(): Promise<boolean> {
    const choices: Array<{ replica: Replica; socket: HeldSocket; outbound: boolean }> = []
    for (const replica of live) {
      const socket = replica.socket
      if (!replica.online || !socket) continue
      if (socket.outbound.length > 0) choices.push({ replica, socket, outbound: true })
      if (socket.inbound.length > 0) choices.push({ replica, socket, outbound: false })
    }
    if (choices.length === 0) return false
    const { replica, socket, outbound } = rng.pick(choices)
    figures.deliveries++
    if (!outbound) {
      record(replica, '<', socket.inbound[0])
      socket.deliverInbound()
      return true
    }
    record(replica, '>', socket.outbound[0])
    socket.releaseOutbound()
    await serverCaughtUp(replica.docId, socket)
    return true
  }

  async function deliverEverything(): Promise<void> {
    while (await deliverOne()) {}
  }

  const docIds = CLIENTS_PER_DOC.map((_, i) => `fuzz-${seed.toString(16)}-${'ab'[i]}`)
  CLIENTS_PER_DOC.forEach((count, d) => {
    for (let i = 0; i < count; i++) {
      const docId = docIds[d] as string
      replicas.push(makeReplica(`${docId}#${i}`, docId))
    }
  })
  for (const replica of replicas) await goOnline(replica)
  await deliverEverything()
  expect(
    replicas.filter((r) => !r.provider.synced).map((r) => r.name),
    `clients not synced at start (seed ${seed})`,
  ).toEqual([])

  for (let step = 0; step < STEPS; step++) {
    const replica = rng.pick(replicas)
    const action = rng.weighted({ edit: 70, burst: 8, disconnect: 9, reconnect: 13 })
    if (action === 'edit' || action === 'burst') {
      const count = action === 'burst' ? rng.between(2, 5) : 1
      // A burst is one transaction: one update carrying several changes.
      replica.doc.transact(() => {
        for (let i = 0; i < count; i++) randomEdit(rng, replica.doc)
      })
      figures.edits += count
      if (!replica.online) figures.offlineEdits += count
    } else if (action === 'disconnect' && replica.online) {
      await goOffline(replica)
      figures.disconnects++
    } else if (action === 'reconnect' && !replica.online) {
      await goOnline(replica)
      figures.reconnects++
    }
    // Let the network run sometimes, so edits interleave with relays and (re)syncs.
    const run = rng.weighted({ none: 45, one: 30, few: 20, many: 5 })
    const frames = run === 'none' ? 0 : run === 'one' ? 1 : run === 'few' ? rng.between(2, 6) : rng.between(10, 25)
    for (let i = 0; i < frames; i++) if (!(await deliverOne())) break
  }

  // Everyone back online; everything held is delivered, and then nothing is left to wait for.
  for (const replica of replicas) {
    if (!replica.online) {
      await goOnline(replica)
      figures.reconnects++
    }
  }
  await deliverEverything()
  expect(
    replicas.filter((r) => !r.provider.synced).map((r) => r.name),
    `clients not synced at the end (seed ${seed})`,
  ).toEqual([])
  for (const docId of docIds) {
    const group = replicas.filter((r) => r.docId === docId)
    const reference = (group[0] as Replica).doc
    for (const r of group.slice(1)) {
      expect(stateVectorObject(r.doc), `${r.name} state vector (seed ${seed})`).toEqual(stateVectorObject(reference))
      expect(contents(r.doc), `${r.name} contents (seed ${seed})`).toBe(contents(reference))
    }
    // A client that joins only now gets the same document in one sync step 2 (P3).
    const late = makeReplica(`${docId}#late`, docId)
    await goOnline(late)
    await deliverEverything()
    expect(late.provider.synced, `late joiner of ${docId} synced (seed ${seed})`).toBe(true)
    expect(stateVectorObject(late.doc), `late joiner of ${docId} (seed ${seed})`).toEqual(stateVectorObject(reference))
    expect(contents(late.doc), `late joiner of ${docId} (seed ${seed})`).toBe(contents(reference))
    await goOffline(late)
    destroyReplica(late)
    // The server's own copy (still loaded while clients are connected) matches too.
    const room = running.server.rooms.loadedRoom(docId)
    expect(room, `room ${docId} loaded`).toBeDefined()
    expect(stateVectorObject(room!.doc), `server copy of ${docId}`).toEqual(stateVectorObject(reference))
    expect(contents(room!.doc), `server copy of ${docId}`).toBe(contents(reference))
  }
  // The server closed no client on its own.
  expect(
    held.sockets.filter((socket) => socket.closedByServer !== null).map((socket) => socket.closedByServer),
    `connections the server closed (seed ${seed})`,
  ).toEqual([])

  const expected = new Map(
    docIds.map((docId) => {
      const doc = (replicas.find((r) => r.docId === docId) as Replica).doc
      return [docId, { sv: stateVectorObject(doc), body: contents(doc) }]
    }),
  )

  // D3/D4: everything the clients hold reached them through relays, which happen only after
  // the commit, so the database must hold it already, while the server still runs.
  for (const docId of docIds) {
    const stored = await readStoredDoc(dataDir, docId)
    const want = expected.get(docId)!
    expect(stored.hasPending, `live stored ${docId} has holes (seed ${seed})`).toBe(false)
    expect(stateVectorObject(stored.doc), `live stored state vector of ${docId} (seed ${seed})`).toEqual(want.sv)
    expect(contents(stored.doc), `live stored contents of ${docId} (seed ${seed})`).toBe(want.body)
    if (options.compactAfter) {
      // Rooms are still loaded, so this snapshot came from compaction during the edits (L4),
      // not from compaction on unload.
      expect(stored.hasSnapshot, `compaction during the run produced a snapshot of ${docId}`).toBe(true)
    }
    stored.doc.destroy()
  }

  if (options.teardown === 'clients-first') {
    for (const r of replicas) await goOffline(r)
    for (const docId of docIds) {
      expect(running.server.rooms.loadedRoom(docId), `room ${docId} unloaded`).toBeUndefined()
      // A new client of the unloaded document is answered from the stored bytes while it loads (L6).
      const cold = makeReplica(`${docId}#cold`, docId)
      await goOnline(cold, true)
      await deliverEverything()
      const want = expected.get(docId)!
      expect(stateVectorObject(cold.doc), `cold-load joiner of ${docId} (seed ${seed})`).toEqual(want.sv)
      expect(contents(cold.doc), `cold-load joiner of ${docId} (seed ${seed})`).toBe(want.body)
      await goOffline(cold)
      destroyReplica(cold)
    }
  }
  await running.stop()
  serverStopped = true
  for (const r of replicas) destroyReplica(r)

  const stored: string[] = []
  for (const docId of docIds) {
    const copy = await readStoredDoc(dataDir, docId)
    const want = expected.get(docId)!
    expect(copy.hasPending, `stored ${docId} refers to data storage does not hold (seed ${seed})`).toBe(false)
    expect(stateVectorObject(copy.doc), `stored state vector of ${docId} (seed ${seed})`).toEqual(want.sv)
    expect(contents(copy.doc), `stored contents of ${docId} (seed ${seed})`).toBe(want.body)
    stored.push(`${docId}: snapshot=${copy.hasSnapshot} log=${copy.logLength} chars=${copy.doc.getText('text').length}`)
    copy.doc.destroy()
  }
  console.log(
    `[fuzz] seed=${seed} (0x${seed.toString(16)}) compactAfter=${options.compactAfter ?? 'default'} steps=${STEPS} ` +
      `edits=${figures.edits} offlineEdits=${figures.offlineEdits} disconnects=${figures.disconnects} ` +
      `reconnects=${figures.reconnects} earlyOpens=${figures.earlyOpens} deliveries=${figures.deliveries} ` +
      `wire=${wire.digest('hex').slice(0, 16)} teardown=${options.teardown} ` +
      `| ${stored.join(' | ')} | ${Date.now() - started} ms`,
  )
}

describe('seeded random convergence through a real server with SQLite', () => {
  SEEDS.forEach((seed, index) => {
    const teardown = index % 2 === 0 ? 'clients-first' : 'server-first'
    it(`[P1][P3][D3][D4][L2][L3][L4][L6][S1] seed ${seed}: 5 stock clients on 2 docs with offline edits converge; stored copy matches (live and after stop, ${teardown})`, async () => {
      await runSeed(seed, { teardown })
    })
  })

  const compactionSeed = ((SEEDS[0] as number) + 0x1000) >>> 0
  it(`[L4][D3][D4] seed ${compactionSeed} with compactAfter=5: compaction runs during the edits and the stored copy still matches`, async () => {
    await runSeed(compactionSeed, { compactAfter: '5', teardown: 'server-first' })
  })
})
