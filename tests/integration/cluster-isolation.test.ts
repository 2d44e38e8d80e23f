import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { PostgresStorage } from '../../server/storage/postgres'
import type { SequencedStorage } from '../../server/storage/storage'
import { connectSynced, type TestClient } from '../helpers/clients'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RedisProcess, redisAvailability, startRedis } from '../helpers/redis'
import { type RunningServer, startServer } from '../helpers/server'
import { waitFor } from '../helpers/wait'

/**
 * Two in-process servers on one PostgreSQL database and one redis-server. On the second,
 * reading one document's missed updates from PostgreSQL is held (its storage is the real one
 * with `loadSince` of that document gated): the relay of every other document must go on (C6),
 * and the held document catches up once the read completes. A large update travels as a hint
 * and is read from PostgreSQL (C1), which is what makes the held document need that read.
 */
const available = (await postgresAvailability()) && redisAvailability()

/** The real storage, with `loadSince(docId)` held until `release()`. */
function holdCatchUpOf(storage: PostgresStorage, docId: string) {
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let held = 0
  const gated = new Proxy(storage, {
    get(target, property, receiver) {
      if (property === 'loadSince') {
        return async (id: string, seq: number) => {
          if (id === docId) {
            held++
            await released
          }
          return target.loadSince(id, seq)
        }
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as SequencedStorage
  return { gated, release, held: () => held }
}

describe.runIf(available)('cluster: one document’s catch-up never stalls the others', () => {
  let database: TestDatabase
  let redis: RedisProcess
  const servers: RunningServer[] = []
  const clients: TestClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const server of servers.splice(0)) await server.stop()
    await redis.dispose()
    await database.drop()
  })

  it('[C6][C1] a held catch-up of one document leaves the relay of another untouched; the large update arrives once released', async () => {
    database = await createTestDatabase()
    redis = await startRedis()
    const settings = { databaseUrl: database.url, redisUrl: redis.url }
    servers.push(await startServer(settings))
    const storage = await PostgresStorage.open({ connectionString: database.url })
    const hold = holdCatchUpOf(storage, 'stuck')
    servers.push(await startServer(settings, { storage: hold.gated }))
    const [a, b] = servers as [RunningServer, RunningServer]
    const join = async (server: RunningServer, docId: string) => {
      const client = await connectSynced(server.wsUrl, docId, new Y.Doc())
      clients.push(client)
      return client
    }
    const stuckWriter = await join(a, 'stuck')
    const stuckReader = await join(b, 'stuck')
    const fineWriter = await join(a, 'fine')
    const fineReader = await join(b, 'fine')

    // 100 kB in one update: more than the 64 KiB that travel over Redis, so only a hint does.
    stuckWriter.doc.getText('t').insert(0, 'x'.repeat(100_000))
    await waitFor(() => hold.held() > 0, 'server b to start reading the large update from PostgreSQL')
    for (let i = 0; i < 20; i++) fineWriter.doc.getText('t').insert(0, `${i};`)
    await waitFor(
      () => fineReader.doc.getText('t').length === fineWriter.doc.getText('t').length,
      'the other document to be relayed meanwhile',
    )
    expect(stuckReader.doc.getText('t').length).toBe(0)

    hold.release()
    await waitFor(() => stuckReader.doc.getText('t').length === 100_000, 'the large update once the read completes')
  }, 60_000)
})
