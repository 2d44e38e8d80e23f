import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CloseCode } from '../../lib/protocol'
import { startBlackholeProxy } from '../helpers/blackhole-proxy'
import { peerNames } from '../helpers/clients'
import { type Cluster, startCluster } from '../helpers/cluster'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RedisProcess, redisAvailability, startRedis } from '../helpers/redis'
import type { ServerProcess } from '../helpers/server-process'
import { editorToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/**
 * The cluster with real parts (SPEC C1–C6): three server processes (`npm run server` with
 * TANDEM_DATABASE_URL and TANDEM_REDIS_URL) on a fresh PostgreSQL database and a redis-server
 * of the test's own, stock y-websocket clients spread over them. Clients of a killed server fail
 * over to another with their same Y.Doc, as behind a load balancer.
 */
const available = (await postgresAvailability()) && redisAvailability()

/** A stock client whose provider can be replaced (failover) while its Y.Doc lives on. */
interface Writer {
  readonly name: string
  readonly doc: Y.Doc
  provider: WebsocketProvider
  /** Index of the server it is connected to. */
  server: number
  readonly closeCodes: number[]
}

const text = (doc: Y.Doc) => doc.getText('t').toString()

describe.runIf(available)('cluster: servers on one PostgreSQL and one Redis', () => {
  let database: TestDatabase | null = null
  let redis: RedisProcess | null = null
  let cluster: Cluster | null = null
  const writers: Writer[] = []
  const timers: NodeJS.Timeout[] = []

  afterEach(async () => {
    for (const timer of timers.splice(0)) clearInterval(timer)
    for (const writer of writers.splice(0)) {
      writer.provider.destroy()
      writer.doc.destroy()
    }
    await cluster?.stopAll()
    await redis?.dispose()
    await database?.drop()
    cluster = redis = database = null
  })

  const start = async (size: number, env: Record<string, string> = {}, args: string[] = []) => {
    database = await createTestDatabase()
    redis = await startRedis()
    cluster = await startCluster({ size, databaseUrl: database.url, redisUrl: redis.url, env, args })
    return cluster
  }
  const url = (server: number) => {
    const instance = cluster?.instances[server]
    if (!instance) throw new Error(`no server ${server}`)
    return instance.wsUrl
  }
  const provide = (writer: Pick<Writer, 'doc' | 'name' | 'closeCodes'>, server: number, docId: string, params: Record<string, string>) => {
    const provider = new WebsocketProvider(url(server), docId, writer.doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      params,
    })
    provider.on('connection-close', (event) => {
      if (event) writer.closeCodes.push(event.code)
    })
    provider.awareness.setLocalStateField('user', { name: writer.name })
    return provider
  }
  const join = async (name: string, server: number, docId = 'shared', params: Record<string, string> = {}) => {
    const doc = new Y.Doc()
    const closeCodes: number[] = []
    const writer: Writer = { name, doc, server, closeCodes, provider: provide({ doc, name, closeCodes }, server, docId, params) }
    writers.push(writer)
    await waitFor(() => writer.provider.synced, `${name} to sync with server ${server}`)
    return writer
  }
  /** Fails a writer over to another server with its same Y.Doc (what a load balancer does). */
  const failOver = (writer: Writer, server: number, docId = 'shared') => {
    writer.provider.destroy()
    writer.server = server
    writer.provider = provide(writer, server, docId, {})
  }
  /** Each writer appends `name:n;` every `everyMs` until stopped; returns the tokens written. */
  const keepWriting = (group: readonly Writer[], everyMs: number) => {
    const written: string[] = []
    for (const writer of group) {
      let n = 0
      const timer = setInterval(() => {
        const token = `${writer.name}:${n++};`
        writer.doc.getText('t').insert(text(writer.doc).length, token)
        written.push(token)
      }, everyMs)
      timers.push(timer)
    }
    return {
      written,
      stop: () => {
        for (const timer of timers.splice(0)) clearInterval(timer)
      },
    }
  }
  const converged = (group: readonly Writer[]) => {
    const first = text(group[0]!.doc)
    return group.every((writer) => text(writer.doc) === first)
  }
  /** What a client of `wsUrl` gets for `docId`. */
  const storedTextOf = async (wsUrl: string, docId = 'shared') => {
    const doc = new Y.Doc()
    const provider = new WebsocketProvider(wsUrl, docId, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    })
    try {
      await waitFor(() => provider.synced, 'a fresh client to sync')
      return text(doc)
    } finally {
      provider.destroy()
      doc.destroy()
    }
  }
  /** What a fresh single server on the same database (no Redis) serves. */
  const storedText = async (docId = 'shared') => {
    if (!database || !cluster) throw new Error('no cluster')
    const fresh = await startCluster({ size: 1, databaseUrl: database.url })
    try {
      return await storedTextOf(fresh.instances[0]!.wsUrl, docId)
    } finally {
      await fresh.stopAll()
    }
  }

  it('[C1][C2][C3] an edit on any server reaches the clients of all; presence and renames cross; a clean stop removes presence at once', async () => {
    await start(3)
    const alice = await join('Alice', 0)
    const bob = await join('Bob', 1)
    const carol = await join('Carol', 2)
    alice.doc.getText('t').insert(0, 'from A ')
    bob.doc.getText('t').insert(0, 'from B ')
    carol.doc.getText('t').insert(0, 'from C ')
    await waitFor(
      () => [alice, bob, carol].every((w) => text(w.doc).length === 21) && converged([alice, bob, carol]),
      'all three edits everywhere',
    )
    await waitFor(() => peerNames(carol).join() === 'Alice,Bob', 'Carol to see Alice and Bob')

    const metrics = await (await fetch(`${cluster?.instances[2]?.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/^tandem_cluster_redis_up 1$/m)
    expect(Number(/^tandem_cluster_messages_received_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0)

    // A rename through the REST API of server 0 reaches an editor on server 2 live (the title is in the document).
    const renamed = await fetch(`${cluster?.instances[0]?.httpUrl}/api/docs/shared`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Cluster notes' }),
    })
    expect(renamed.status).toBe(200)
    await waitFor(() => carol.doc.getText('title').toString() === 'Cluster notes', 'the new title on server 2')

    // Bob's server stops cleanly: Carol stops seeing Bob at once (not after the liveness timeout).
    await cluster?.stop(1)
    await waitFor(() => peerNames(carol).join() === 'Alice', 'Bob gone from Carol’s list', 3_000)
  }, 90_000)

  it('[C2] a server SIGKILLed mid-edit: its clients fail over with their Y.Doc, nothing anyone wrote is lost, a fresh server shows the same', async () => {
    await start(3)
    const group: Writer[] = []
    for (let i = 0; i < 6; i++) group.push(await join(`w${i}`, i % 3))
    const writing = keepWriting(group, 15)
    await waitFor(() => writing.written.length >= 120, 'some writing on every server')
    await cluster?.kill(1)
    for (const writer of group.filter((w) => w.server === 1)) failOver(writer, writer.name === 'w1' ? 0 : 2)
    await waitFor(() => writing.written.length >= 360, 'writing after the kill')
    writing.stop()
    await waitFor(() => converged(group), 'every replica to converge', 20_000)
    const final = text(group[0]!.doc)
    const lost = writing.written.filter((token) => !final.includes(token))
    console.log(`[cluster kill] kills=1 edits written=${writing.written.length} lost=${lost.length}`)
    expect(lost).toEqual([])
    expect(await storedText()).toBe(final)
  }, 90_000)

  it('[C5] Redis killed for 5 s mid-edit: everyone keeps writing, /readyz says degraded, and all converge after it returns with no further edit', async () => {
    await start(3)
    const group: Writer[] = []
    for (let i = 0; i < 6; i++) group.push(await join(`w${i}`, i % 3))
    const writing = keepWriting(group, 20)
    await waitFor(() => writing.written.length >= 60, 'writing before the outage')
    await redis?.kill()
    const downAt = Date.now()
    await waitFor(async () => {
      const res = await fetch(`${cluster?.instances[0]?.httpUrl}/readyz`)
      const body = (await res.json()) as { status: string; redis?: string }
      return res.status === 200 && body.status === 'degraded'
    }, '/readyz to say degraded (and still 200)')
    expect(await (await fetch(`${cluster?.instances[0]?.httpUrl}/metrics`)).text()).toMatch(/^tandem_cluster_redis_up 0$/m)
    await waitFor(() => Date.now() - downAt >= 5_000, 'five seconds of outage', 10_000)
    await redis?.start()
    writing.stop()
    const returnedAt = Date.now()
    await waitFor(() => converged(group), 'convergence after Redis returned', 20_000)
    const convergeMs = Date.now() - returnedAt
    const final = text(group[0]!.doc)
    const lost = writing.written.filter((token) => !final.includes(token))
    console.log(
      `[cluster redis] outage=5 s edits written=${writing.written.length} lost=${lost.length} converged ${convergeMs} ms after Redis returned`,
    )
    expect(lost).toEqual([])
    // Every server sees Redis again (ioredis retries at least once a second).
    for (const instance of cluster?.instances ?? []) {
      await waitFor(async () => {
        const body = (await (await fetch(`${instance.httpUrl}/readyz`)).json()) as { status: string }
        return body.status === 'ready'
      }, `server ${instance.port} ready again`)
    }
    expect(await storedText()).toBe(final)
  }, 90_000)

  it('[C5][D7] PostgreSQL unreachable: nothing is acknowledged, /readyz is 503, edits are held and stored when it returns', async () => {
    database = await createTestDatabase()
    redis = await startRedis()
    const target = new URL(database.url)
    const proxy = await startBlackholeProxy(Number(target.port || 5432), target.hostname)
    try {
      target.port = String(proxy.port)
      cluster = await startCluster({ size: 2, databaseUrl: target.toString(), redisUrl: redis.url })
      const group = [await join('w0', 0), await join('w1', 1)]
      const writing = keepWriting(group, 30)
      await waitFor(() => writing.written.length >= 40, 'writing before the outage')
      proxy.refuse()
      const readyz = async (i: number) => (await fetch(`${cluster?.instances[i]?.httpUrl}/readyz`)).status
      await waitFor(async () => (await readyz(0)) === 503 && (await readyz(1)) === 503, '/readyz 503 on both servers', 10_000)
      const pending = async (i: number) =>
        Number(/^tandem_updates_pending (\d+)$/m.exec(await (await fetch(`${cluster?.instances[i]?.httpUrl}/metrics`)).text())?.[1])
      await waitFor(async () => (await pending(0)) > 0 && (await pending(1)) > 0, 'edits held, not acknowledged, on both servers')
      const heldAt = writing.written.length
      await waitFor(() => writing.written.length >= heldAt + 40, 'writing during the outage')
      writing.stop()
      proxy.restore()
      await waitFor(async () => (await pending(0)) === 0 && (await pending(1)) === 0, 'the held edits stored', 20_000)
      await waitFor(() => converged(group) && writing.written.every((token) => text(group[0]!.doc).includes(token)), 'convergence', 20_000)
      console.log(
        `[cluster postgres] edits written=${writing.written.length} (${writing.written.length - heldAt} during the outage) lost=0`,
      )
      await cluster.stopAll()
      cluster = await startCluster({ size: 1, databaseUrl: database.url })
      expect(await storedTextOf(cluster.instances[0]!.wsUrl)).toBe(text(group[0]!.doc))
    } finally {
      await proxy.close()
    }
  }, 90_000)

  it('[D13][C2] two servers compacting one document while twelve writers write lose nothing', async () => {
    await start(2, {}, ['--compact-after', '25'])
    const group: Writer[] = []
    for (let i = 0; i < 12; i++) group.push(await join(`w${i}`, i % 2))
    const writing = keepWriting(group, 25)
    await waitFor(() => writing.written.length >= 1_200, '1,200 edits', 60_000)
    writing.stop()
    await waitFor(() => converged(group) && writing.written.every((token) => text(group[0]!.doc).includes(token)), 'convergence', 20_000)
    const final = text(group[0]!.doc)
    const pg = await import('pg')
    const client = new pg.default.Client({ connectionString: database?.url })
    await client.connect()
    const logged = await client.query<{ count: string }>(`SELECT count(*) FROM updates WHERE doc_id = 'shared'`)
    const snapshot = await client.query<{ seq: string }>(`SELECT seq FROM snapshots WHERE doc_id = 'shared'`)
    await client.end()
    console.log(
      `[cluster compaction] edits=${writing.written.length} log entries left=${logged.rows[0]?.count} snapshot covers seq ≤ ${snapshot.rows[0]?.seq}`,
    )
    expect(Number(snapshot.rows[0]?.seq)).toBeGreaterThan(0)
    expect(await storedText()).toBe(final)
  }, 90_000)

  it('[C2] a server started in the middle of the writing catches up and relays on', async () => {
    const running = await start(2)
    const group = [await join('w0', 0), await join('w1', 1)]
    const writing = keepWriting(group, 15)
    await waitFor(() => writing.written.length >= 100, 'writing before the third server')
    const third: ServerProcess = await running.add()
    expect(third.port).toBeGreaterThan(0)
    const late = await join('late', 2)
    group.push(late)
    await waitFor(() => writing.written.length >= 300, 'writing after the third server joined')
    writing.stop()
    await waitFor(
      () => converged(group) && writing.written.every((token) => text(late.doc).includes(token)),
      'the late client to have it all',
      20_000,
    )
  }, 90_000)

  it('[C3] a SIGKILLed server’s presence vanishes from the other servers’ clients within 10 s', async () => {
    await start(2)
    const alice = await join('Alice', 0)
    const bob = await join('Bob', 1)
    await waitFor(() => peerNames(bob).includes('Alice'), 'Bob to see Alice')
    await cluster?.kill(0)
    const killedAt = Date.now()
    alice.provider.disconnect()
    await waitFor(() => !peerNames(bob).includes('Alice'), 'Alice to vanish from Bob’s list', 10_000)
    console.log(`[cluster presence] a dead server's presence vanished after ${Date.now() - killedAt} ms`)
  }, 90_000)

  it('[C4] a deletion on one server closes the document’s clients on the others (4404); a revocation closes them (4403)', async () => {
    await start(2, { TANDEM_AUTH_SECRET: TEST_SECRET })
    const token = await editorToken('mallory', ['*'], 'Mallory')
    const mallory = await join('Mallory', 1, 'kept', { token })
    const reader = await join('Reader', 1, 'doomed', { token: await editorToken('reader', ['*'], 'Reader') })
    reader.doc.getText('t').insert(0, 'soon gone')
    const admin = { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'application/json' }
    const editor = { authorization: `Bearer ${await editorToken('owner', ['*'], 'Owner')}` }
    const base = cluster?.instances[0]?.httpUrl
    await waitFor(async () => (await fetch(`${base}/api/docs/doomed`, { headers: editor })).status === 200, 'the document to exist')
    expect((await fetch(`${base}/api/docs/doomed`, { method: 'DELETE', headers: editor })).status).toBe(204)
    await waitFor(() => reader.closeCodes.includes(CloseCode.DocumentDeleted.code), 'the reader on server 1 to be closed with 4404')
    const revoked = await fetch(`${base}/api/admin/revocations`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ user: 'mallory' }),
    })
    expect(revoked.status).toBe(200)
    await waitFor(() => mallory.closeCodes.includes(CloseCode.Forbidden.code), 'Mallory on server 1 to be closed with 4403')
  }, 90_000)
})
