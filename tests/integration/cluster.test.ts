import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, connectSynced, peerNames, type TestClient } from '../helpers/clients'
import { type Cluster, startCluster } from '../helpers/cluster'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RedisProcess, redisAvailability, startRedis } from '../helpers/redis'
import { spawnServer } from '../helpers/server-process'
import { waitFor } from '../helpers/wait'

/**
 * Three real server processes on one PostgreSQL database and their own redis-server, with
 * stock y-websocket clients spread over them (SPEC C1–C5).
 */
const available = (await postgresAvailability()) && redisAvailability()

const text = (client: TestClient) => client.doc.getText('t').toString()

describe.runIf(available)('cluster: three servers, PostgreSQL + Redis', () => {
  let database: TestDatabase
  let redis: RedisProcess
  let cluster: Cluster
  const clients: TestClient[] = []

  beforeAll(() => {
    // Each test makes its own database, Redis and servers (below); nothing is shared.
  })

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    await cluster?.stopAll()
    await redis?.dispose()
    await database?.drop()
  })

  const start = async (size = 3) => {
    database = await createTestDatabase()
    redis = await startRedis()
    cluster = await startCluster({ size, databaseUrl: database.url, redisUrl: redis.url })
    return cluster.instances
  }
  const client = async (instance: { wsUrl: string }, docId: string, params: Record<string, string> = {}) => {
    const synced = await connectSynced(instance.wsUrl, docId, new Y.Doc(), params)
    clients.push(synced)
    return synced
  }

  it('an edit on one server reaches the clients of the others, and presence crosses too (C1, C2, C3)', async () => {
    const [a, b, c] = await start()
    const alice = await client(a!, 'shared', { name: 'Alice' })
    const bob = await client(b!, 'shared', { name: 'Bob' })
    const carol = await client(c!, 'shared', { name: 'Carol' })
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' })
    bob.provider.awareness.setLocalStateField('user', { name: 'Bob' })
    alice.doc.getText('t').insert(0, 'from A ')
    bob.doc.getText('t').insert(0, 'from B ')
    carol.doc.getText('t').insert(0, 'from C ')
    await waitFor(() => [alice, bob, carol].every((peer) => text(peer).length === 21), 'every client to see all three edits')
    expect(new Set([alice, bob, carol].map(text)).size).toBe(1)
    await waitFor(() => peerNames(carol).includes('Alice') && peerNames(carol).includes('Bob'), 'Carol to see Alice and Bob')
    bob.destroy()
    await waitFor(() => !peerNames(carol).includes('Bob'), 'Bob to leave Carol’s list at once')
  })
})

export { connectClient, spawnServer }
