import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { Cluster } from '../../server/cluster/cluster'
import { decodeClusterMessage } from '../../server/cluster/messages'
import { connectSynced } from '../helpers/clients'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { contents, randomEdit } from '../helpers/random-edits'
import { type RedisProcess, redisAvailability, startRedis } from '../helpers/redis'
import { createRng, type Rng, seedsFromEnv } from '../helpers/seeded-random'
import { type RunningServer, removeDir, startServer } from '../helpers/server'
import { stateVectorObject } from '../helpers/storage-inspect'
import { waitFor } from '../helpers/wait'

/**
 * Seeded random convergence through a cluster (SPEC C1–C5): three in-process servers on one fresh
 * PostgreSQL database, relaying through a redis-server of the test's own. Stock y-websocket
 * clients of two documents, each attached to a random server, make random edits (the kinds of
 * the single-server fuzz: text with formatting, map, XML, array), go offline and edit there, and
 * come back to a random server with the same Y.Doc (a failover behind a load balancer: the
 * provider is destroyed, the doc kept, a new provider opened on another server's URL). At
 * seeded steps Redis is killed and started again; while it is down the servers keep serving,
 * and at some outages the test waits — still without Redis — until the servers have caught up
 * with each other from PostgreSQL (the periodic check). At the end every client comes back
 * online and, while their offline edits are still being committed, a fresh observer per
 * document joins on every server (so every server has each room loaded, some of them loading
 * while other servers commit); every replica and every server's room must become
 * identical (state vector and contents). Then, after all servers stopped, a fresh server on the
 * same database (no Redis) must serve exactly that.
 *
 * This fuzz found a bug (a client answered from storage by a cold load missed an update another
 * server committed during that load; fixed by binding the replica a turn after the load); the
 * last test replays that race deterministically.
 *
 * The seed fixes the script (edits, Yjs client ids, which server, when to go off- or online,
 * when Redis dies); the network and the servers' timers run as the OS schedules them, so a
 * replay follows the same script, not necessarily the same interleaving.
 *
 * Seeds: TANDEM_CLUSTER_FUZZ_SEED=1234 (or 1,2,3, or "random"); steps: TANDEM_CLUSTER_FUZZ_STEPS.
 */
const available = (await postgresAvailability()) && redisAvailability()

const SEEDS = seedsFromEnv('TANDEM_CLUSTER_FUZZ_SEED', [0xc1a501, 0xc1a502])
const STEPS = Number(process.env.TANDEM_CLUSTER_FUZZ_STEPS ?? 300)
const SERVERS = 3
const CLIENTS_PER_DOC = [3, 3] as const
/** Long enough for a periodic check (every 2 s) and a Redis reconnect (≤ 1 s) several times over. */
const CONVERGE_TIMEOUT_MS = 15_000

interface Client {
  readonly name: string
  readonly docId: string
  readonly doc: Y.Doc
  provider: WebsocketProvider | null
  /** Index of the server it is (or was last) attached to. */
  server: number
  /** How its current (or last) provider came: step, server, and whether that room had to load (L6 cold load). */
  attached: string
}

interface Figures {
  edits: number
  offlineEdits: number
  disconnects: number
  reconnects: number
  moves: number
  redisOutages: number
  waitsWhileDown: number
  checkpoints: number
}

interface Outage {
  readonly from: number
  readonly to: number
  /** Whether the servers must converge through PostgreSQL before Redis comes back. */
  readonly convergeWhileDown: boolean
}

/** 2–3 Redis outages at seeded steps (1 in a short run), one per stretch of the run, never overlapping. */
function planOutages(rng: Rng, steps: number): Outage[] {
  const drawn = rng.between(2, 3)
  const count = steps >= 60 ? drawn : steps >= 10 ? 1 : 0
  const stretch = Math.floor(steps / Math.max(1, count))
  return Array.from({ length: count }, (_, i) => {
    const from = i * stretch + rng.between(Math.min(5, Math.floor(stretch / 3)), Math.max(5, Math.floor(stretch / 2)))
    const to = Math.min((i + 1) * stretch - 1, from + rng.between(Math.min(10, stretch), 40))
    return { from, to, convergeWhileDown: i === 0 || rng.chance(0.5) }
  })
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve))

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup()
    } catch (err) {
      console.warn('[cluster-fuzz] cleanup failed:', err)
    }
  }
  cleanups = []
})

/**
 * One seeded run. At the end the observers (fresh, empty clients: one per document on every
 * server) join while the returning editors' offline edits are still being committed, so some
 * rooms cold-load while other servers commit.
 */
async function runSeed(seed: number, steps: number): Promise<void> {
  const rng = createRng(seed)
  const replay = `TANDEM_CLUSTER_FUZZ_SEED=${seed} TANDEM_CLUSTER_FUZZ_STEPS=${steps} npx vitest run tests/fuzz/cluster-convergence.test.ts -t 'seed ${seed}:'`
  const started = Date.now()
  const database: TestDatabase = await createTestDatabase()
  cleanups.push(() => database.drop())
  const redis: RedisProcess = await startRedis()
  cleanups.push(() => redis.dispose())

  const serverConfig = {
    databaseUrl: database.url,
    redisUrl: redis.url,
    // No throttling: the script sends in bursts; rate limits are tested elsewhere.
    maxMessagesPerSecond: '1000000',
    maxBytesPerSecond: String(1024 ** 3),
  }
  const servers: RunningServer[] = []
  const stopped = new Set<RunningServer>()
  cleanups.push(async () => {
    for (const running of servers) {
      if (!stopped.has(running)) await running.stop()
      removeDir(running.dataDir)
    }
  })
  // One after another: the first applies the migrations.
  for (let i = 0; i < SERVERS; i++) servers.push(await startServer(serverConfig))

  /** Per server: how often its cluster read "what I missed" from PostgreSQL (Replica.catchUp). */
  const catchUps = servers.map(() => 0)
  /**
   * Per server, for the report: loads where other servers' updates that arrived during the load
   * (after its read) were applied as the room was bound — `docId@server: n update(s)`.
   */
  const appliedAtBind: string[] = []
  servers.forEach((running, i) => {
    const cluster = running.server.cluster
    const storage = cluster?.options.storage
    if (!cluster || !storage) throw new Error('server started without a cluster')
    const open = cluster.open.bind(cluster)
    cluster.open = async (docId) => {
      const replica = await open(docId)
      const bind = replica.bind.bind(replica)
      replica.bind = (target, lastSeq) => {
        let applied = 0
        const applyRemote = target.applyRemote.bind(target)
        target.applyRemote = (updates, fresh) => {
          applied += updates.length
          applyRemote(updates, fresh)
        }
        try {
          bind(target, lastSeq)
        } finally {
          target.applyRemote = applyRemote
        }
        if (applied > 0) appliedAtBind.push(`${docId}@server${i} step ${step}: ${applied} update(s) after seq ${lastSeq}`)
      }
      return replica
    }
    const loadSince = storage.loadSince.bind(storage)
    storage.loadSince = (docId, seq) => {
      catchUps[i] = (catchUps[i] as number) + 1
      return loadSince(docId, seq)
    }
  })

  const figures: Figures = {
    edits: 0,
    offlineEdits: 0,
    disconnects: 0,
    reconnects: 0,
    moves: 0,
    redisOutages: 0,
    waitsWhileDown: 0,
    checkpoints: 0,
  }
  const serverCloses: string[] = []
  const usedClientIds = new Set<number>()
  const clients: Client[] = []
  cleanups.push(() => {
    for (const client of clients) {
      detach(client)
      client.doc.destroy()
    }
  })
  let step = -1
  let redisDown = false

  function makeClient(name: string, docId: string, doc = new Y.Doc()): Client {
    // Seeded, because the client id orders concurrent inserts.
    let clientId: number
    do clientId = 1 + rng.int(0x7fff_fffe)
    while (usedClientIds.has(clientId))
    usedClientIds.add(clientId)
    doc.clientID = clientId
    const client: Client = { name, docId, doc, provider: null, server: -1, attached: 'never' }
    clients.push(client)
    return client
  }

  function attach(client: Client, server: number): void {
    const loaded = (servers[server] as RunningServer).server.rooms.loadedRoom(client.docId) !== undefined
    client.attached = `step ${step} to server${server}, room ${loaded ? 'loaded' : 'not loaded (a cold load)'} when the provider was created`
    const provider = new WebsocketProvider((servers[server] as RunningServer).wsUrl, client.docId, client.doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    })
    provider.awareness.setLocalStateField('user', { name: client.name })
    provider.on('connection-close', (event: CloseEvent | null) => {
      if (event && event.code >= 4000) serverCloses.push(`${client.name}@server${server} step ${step}: ${event.code} ${event.reason}`)
    })
    if (client.server >= 0 && client.server !== server) figures.moves++
    client.provider = provider
    client.server = server
  }

  /** Gone like a closed tab: the provider (and its presence) goes, the Y.Doc with its edits stays. */
  function detach(client: Client): void {
    const provider = client.provider
    if (!provider) return
    client.provider = null
    provider.destroy()
    provider.awareness.destroy()
  }

  const whenSynced = (client: Client) =>
    waitFor(
      () => client.provider?.synced === true,
      `${client.name} to sync with server${client.server} (seed ${seed}, step ${step})`,
      10_000,
    )

  const rooms = (docId: string) =>
    servers.flatMap((running, i) =>
      stopped.has(running) ? [] : [{ name: `server${i} room`, doc: running.server.rooms.loadedRoom(docId)?.doc }],
    )

  /**
   * Why the copies of each document differ (null when they do not): per copy, the clients whose
   * updates it lacks against the union of all copies (`id:has/union`), or that its contents differ.
   * `final`: every client counts and every server must have the room loaded; otherwise only the
   * online clients and the loaded rooms.
   */
  function divergence(final: boolean): string | null {
    const problems: string[] = []
    for (const docId of docIds) {
      const copies: Array<{ name: string; doc: Y.Doc; client?: Client }> = []
      for (const client of clients) if (client.docId === docId && (final || client.provider)) copies.push({ ...client, client })
      for (const room of rooms(docId)) {
        if (room.doc) copies.push({ name: room.name, doc: room.doc })
        else if (final) problems.push(`${docId}: ${room.name} not loaded`)
      }
      const vectors = copies.map((copy) => stateVectorObject(copy.doc))
      const union: Record<string, number> = {}
      for (const sv of vectors) for (const [id, clock] of Object.entries(sv)) union[id] = Math.max(union[id] ?? 0, clock)
      const reference = copies[0] ? contents(copies[0].doc) : ''
      copies.forEach((copy, i) => {
        const sv = vectors[i] as Record<string, number>
        const missing = Object.entries(union)
          .filter(([id, clock]) => (sv[id] ?? 0) < clock)
          .map(([id, clock]) => `${id}:${sv[id] ?? 0}/${clock}`)
        const how = copy.client ? ` (attached ${copy.client.attached}${copy.client.provider?.synced ? ', synced' : ''})` : ''
        if (missing.length > 0) problems.push(`${docId}: ${copy.name} lacks ${missing.join(' ')}${how}`)
        else if (contents(copy.doc) !== reference) problems.push(`${docId}: ${copy.name} has the union's state vector but other contents`)
      })
    }
    return problems.length === 0 ? null : problems.join('\n')
  }

  /** Waits until every copy agrees; on timeout, says who lacks what, what storage holds, and how to replay. */
  async function converge(what: string, final: boolean): Promise<number> {
    const t0 = Date.now()
    let report: string | null = null
    try {
      await waitFor(
        () => {
          report = divergence(final)
          return report === null
        },
        what,
        CONVERGE_TIMEOUT_MS,
      )
    } catch {
      const running = servers.find((s) => !stopped.has(s)) as RunningServer
      const heads = await running.server.cluster?.options.storage.heads(docIds).catch((err: Error) => err.message)
      const headText = heads instanceof Map ? JSON.stringify(Object.fromEntries(heads)) : String(heads)
      // Did the server hold what its client lacks? A new provider on the same server syncs afresh.
      const lagging = clients.filter((client) => client.provider && report?.includes(`${client.name} lacks`))
      for (const client of lagging) {
        detach(client)
        attach(client, client.server)
      }
      const resynced = await waitFor(() => divergence(final) === null, 'convergence after re-syncing', 10_000).then(
        () => 'every copy agrees',
        () => `still:\n${divergence(final)}`,
      )
      throw new Error(
        `[cluster-fuzz] seed=${seed} step=${step}: ${what}: no convergence after ${CONVERGE_TIMEOUT_MS} ms ` +
          `(redis ${redisDown ? 'down' : 'up'}, PostgreSQL heads ${headText}, catch-ups per server [${catchUps.join(', ')}], ` +
          `figures ${JSON.stringify(figures)})\n${report}\n` +
          `updates applied as a loading room was bound: ${appliedAtBind.join('; ') || 'none'}\n` +
          `after ${lagging.length} lagging client(s) re-synced on the same server with a new provider: ${resynced}\nreplay: ${replay}`,
      )
    }
    return Date.now() - t0
  }

  const docIds = CLIENTS_PER_DOC.map((_, i) => `cluster-fuzz-${seed.toString(16)}-${'ab'[i]}`)
  const editors: Client[] = []
  CLIENTS_PER_DOC.forEach((count, d) => {
    for (let i = 0; i < count; i++) editors.push(makeClient(`${docIds[d]}#${i}`, docIds[d] as string))
  })
  for (const client of editors) attach(client, rng.int(SERVERS))
  for (const client of editors) await whenSynced(client)

  const outages = planOutages(rng, steps)
  for (step = 0; step < steps; step++) {
    for (const outage of outages) {
      if (step === outage.from) {
        await redis.kill()
        redisDown = true
        figures.redisOutages++
      }
      if (step === outage.to) {
        if (outage.convergeWhileDown) {
          // Only PostgreSQL links the servers now: the periodic check must bring them together.
          await converge(`servers to converge while Redis is down (outage ${figures.redisOutages})`, false)
          figures.waitsWhileDown++
        }
        await redis.start()
        redisDown = false
      }
    }

    const client = rng.pick(editors)
    const action = rng.weighted({ edit: 70, burst: 8, disconnect: 9, reconnect: 13 })
    if (action === 'edit' || action === 'burst') {
      const count = action === 'burst' ? rng.between(2, 5) : 1
      // A burst is one transaction: one update carrying several changes.
      client.doc.transact(() => {
        for (let i = 0; i < count; i++) randomEdit(rng, client.doc)
      })
      figures.edits += count
      if (!client.provider) figures.offlineEdits += count
    } else if (action === 'disconnect' && client.provider) {
      detach(client)
      figures.disconnects++
    } else if (action === 'reconnect' && !client.provider) {
      // Failover: the same Y.Doc, a new provider, whichever server the balancer picks.
      attach(client, rng.int(SERVERS))
      figures.reconnects++
      if (rng.chance(0.6)) await whenSynced(client)
    }

    // Let the network and the servers run a little, so edits interleave with relays and syncs.
    const ticks = rng.weighted({ none: 40, one: 35, few: 25 })
    for (let i = ticks === 'none' ? 0 : ticks === 'one' ? 1 : rng.between(2, 5); i > 0; i--) await nextTick()
    // Now and then (with Redis up), everyone online agrees before the script goes on.
    if (!redisDown && rng.chance(0.03)) {
      await converge('online copies to converge at a checkpoint', false)
      figures.checkpoints++
    }
  }
  if (redisDown) {
    await redis.start()
    redisDown = false
  }

  // Everyone back online, on a random server; and on every server an observer of each document,
  // so that every server has each room loaded.
  const convergeStart = Date.now()
  for (const client of editors) {
    if (!client.provider) {
      attach(client, rng.int(SERVERS))
      figures.reconnects++
    }
  }
  const observers = docIds.flatMap((docId) => servers.map((_, i) => ({ docId, i })))
  for (const { docId, i } of observers) attach(makeClient(`${docId}#observer@server${i}`, docId), i)
  for (const client of clients) await whenSynced(client)
  await converge('every client and every server to converge at the end', true)
  const convergeMs = Date.now() - convergeStart

  expect(serverCloses, `connections a server closed (seed ${seed})`).toEqual([])
  const expected = new Map(
    docIds.map((docId) => {
      const doc = (clients.find((c) => c.docId === docId) as Client).doc
      return [docId, { sv: stateVectorObject(doc), body: contents(doc) }]
    }),
  )

  // Every server stops; a fresh one on the same database, alone (no Redis), serves the same.
  for (const client of clients) detach(client)
  for (const running of servers) {
    await running.stop()
    stopped.add(running)
  }
  const fresh = await startServer({ databaseUrl: database.url })
  cleanups.push(async () => {
    await fresh.stop()
    removeDir(fresh.dataDir)
  })
  for (const docId of docIds) {
    const reader = await connectSynced(fresh.wsUrl, docId)
    try {
      const want = expected.get(docId)!
      expect(stateVectorObject(reader.doc), `state vector of ${docId} from a fresh server (seed ${seed})`).toEqual(want.sv)
      expect(contents(reader.doc), `contents of ${docId} from a fresh server (seed ${seed})`).toBe(want.body)
    } finally {
      reader.destroy()
    }
  }

  console.log(
    `[cluster-fuzz] seed=${seed} (0x${seed.toString(16)}) steps=${steps} edits=${figures.edits} offlineEdits=${figures.offlineEdits} ` +
      `disconnects=${figures.disconnects} reconnects=${figures.reconnects} moves=${figures.moves} ` +
      `redisOutages=${figures.redisOutages} (converged while down: ${figures.waitsWhileDown}) checkpoints=${figures.checkpoints} ` +
      `catchUps=[${catchUps.join(',')}] converge=${convergeMs} ms total=${Date.now() - started} ms | replay: ${replay}`,
  )
}

describe.runIf(available)('seeded random convergence through a three-server cluster (PostgreSQL + Redis)', () => {
  for (const seed of SEEDS) {
    it(`[C2] seed ${seed}: 6 stock clients on 2 docs over 3 servers, failover, offline edits, Redis outages converge; a fresh server serves the same`, async () => {
      await runSeed(seed, STEPS)
    }, 60_000)
  }

  /*
   * The cold-load race the fuzz found, made certain: server B's load of the document is held
   * just after its read from PostgreSQL until (1) the fresh client's sync step 1 waits in its
   * backlog and (2) an update committed on server A after that read has reached B over Redis.
   */
  it('[C2][L6] an update another server commits while a document cold-loads reaches the fresh client that load answered', async () => {
    const database = await createTestDatabase()
    cleanups.push(() => database.drop())
    const redis = await startRedis()
    cleanups.push(() => redis.dispose())
    const a = await startServer({ databaseUrl: database.url, redisUrl: redis.url })
    cleanups.push(async () => {
      await a.stop()
      removeDir(a.dataDir)
    })
    const b = await startServer({ databaseUrl: database.url, redisUrl: redis.url })
    cleanups.push(async () => {
      await b.stop()
      removeDir(b.dataDir)
    })
    const docId = 'cold-load-race'
    const text = (doc: Y.Doc) => doc.getText('text').toString()
    const editor = await connectSynced(a.wsUrl, docId)
    cleanups.push(() => editor.destroy())
    editor.doc.getText('text').insert(0, 'stored before. ')
    const head = async () => (await (a.server.cluster as Cluster).options.storage.heads([docId])).get(docId) ?? 0
    await waitFor(async () => (await head()) >= 1, 'the first edit to be stored')

    const cluster = b.server.cluster
    if (!cluster) throw new Error('server B has no cluster')
    let updatesHeard = 0
    const receive = cluster.receive.bind(cluster)
    cluster.receive = (channel, bytes) => {
      if (decodeClusterMessage(bytes).kind === 'update') updatesHeard++
      receive(channel, bytes)
    }
    const storage = cluster.options.storage
    const loadWithSeq = storage.loadWithSeq.bind(storage)
    let raced = false
    storage.loadWithSeq = async (id) => {
      const stored = await loadWithSeq(id)
      if (id === docId && !raced) {
        raced = true
        await waitFor(
          () => b.server.rooms.openConnections().some((c) => c.info.docId === docId && c.hasBacklog),
          "the joiner's sync step 1 to wait in its backlog",
        )
        const heard = updatesHeard
        editor.doc.getText('text').insert(0, 'committed during the load. ')
        await waitFor(() => updatesHeard > heard, 'server B to hear the update over Redis before its room is bound')
      }
      return stored
    }

    const joiner = await connectSynced(b.wsUrl, docId)
    cleanups.push(() => joiner.destroy())
    expect(raced, 'the load was held').toBe(true)
    const room = () => b.server.rooms.loadedRoom(docId)?.doc
    await waitFor(() => room() !== undefined && text(room() as Y.Doc) === text(editor.doc), "server B's room to have both edits")
    // The server holds both: a second fresh client on it gets them at once.
    const control = await connectSynced(b.wsUrl, docId)
    cleanups.push(() => control.destroy())
    expect(text(control.doc), 'a second fresh client on server B').toBe(text(editor.doc))
    // Give the joiner every chance: the convergence it never reaches.
    await waitFor(() => text(joiner.doc) === text(editor.doc), 'the joiner to get both edits', 5_000).catch(() => {})
    expect(text(joiner.doc), "the joiner's copy, while server B's room has both edits").toBe(text(editor.doc))
    expect(stateVectorObject(joiner.doc)).toEqual(stateVectorObject(editor.doc))
  }, 30_000)
})
