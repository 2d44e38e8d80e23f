import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { COMPACT_LOCK, PostgresStorage } from '../../server/storage/postgres'
import { MIGRATIONS, migrate } from '../../server/storage/postgres-migrations'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { waitFor } from '../helpers/wait'

/**
 * What PostgreSQL storage promises beyond the storage contract, for several servers on one
 * database ([D12] seqs, [D13] compaction ownership, [D14] migrations). Two pools on one
 * database stand for two servers.
 */
const available = await postgresAvailability()

const u = (...values: number[]) => new Uint8Array(values)
const concat = (snapshot: Uint8Array | null, updates: readonly Uint8Array[]) =>
  new Uint8Array([...(snapshot ?? []), ...updates.flatMap((x) => [...x])])
/** Update number i as two bytes, so a merged snapshot shows which updates it holds, in order. */
const numbered = (i: number) => u(i & 0xff, i >> 8)
const numbers = (bytes: Uint8Array) =>
  Array.from({ length: bytes.length / 2 }, (_, k) => (bytes[2 * k] ?? 0) | ((bytes[2 * k + 1] ?? 0) << 8))

describe('the PostgreSQL test helper', () => {
  it('skips loudly when nothing answers, and fails under CI=true', async () => {
    const nowhere = 'postgres://postgres@127.0.0.1:1/postgres'
    expect(await postgresAvailability(nowhere, false)).toBe(false)
    await expect(postgresAvailability(nowhere, true)).rejects.toThrow(/not reachable .* CI=true/)
  })
})

describe.runIf(available)('PostgreSQL storage across servers', () => {
  let database: TestDatabase
  const opened: PostgresStorage[] = []
  const pools: pg.Pool[] = []
  const server = async () => {
    const storage = await PostgresStorage.open({ connectionString: database.url, poolSize: 3 })
    opened.push(storage)
    return storage
  }
  const seqsOf = async (storage: PostgresStorage, docId: string) =>
    (await storage.pool.query<{ seq: string }>('SELECT seq FROM updates WHERE doc_id = $1 ORDER BY seq', [docId])).rows.map((r) =>
      Number(r.seq),
    )

  beforeEach(async () => {
    database = await createTestDatabase()
  })
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close()
    for (const pool of pools.splice(0)) await pool.end()
    await database.drop()
  })

  it('[D12] concurrent appends from two servers get gap-free seqs 1..N, each server’s updates in its order', async () => {
    const [a, b] = [await server(), await server()]
    const write = async (storage: PostgresStorage, base: number) => {
      for (let i = 0; i < 40; i++) {
        // Batches of one or two entries, sometimes with another document in the batch.
        const batch = [{ docId: 'shared', update: numbered(base + 2 * i) }]
        if (i % 2 === 0) batch.push({ docId: 'shared', update: numbered(base + 2 * i + 1) })
        if (i % 3 === 0) batch.push({ docId: base === 0 ? 'only-a' : 'only-b', update: u(1) })
        await storage.append(batch, i)
      }
    }
    await Promise.all([write(a, 0), write(b, 1000), write(a, 2000), write(b, 3000)])
    const total = 4 * (40 + 20)
    expect(await seqsOf(a, 'shared')).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    const loaded = await b.loadWithSeq('shared')
    expect(loaded.lastSeq).toBe(total)
    const order = loaded.updates.map((x) => numbers(x)[0] ?? -1)
    for (const base of [0, 1000, 2000, 3000]) {
      const mine = order.filter((n) => n >= base && n < base + 1000)
      expect(mine).toEqual([...mine].sort((x, y) => x - y))
      expect(mine).toHaveLength(60)
    }
  })

  it('[D13] compaction racing appends from another server loses nothing, and one compactor at a time merges', async () => {
    const [writer, compactorA, compactorB] = [await server(), await server(), await server()]
    let writing = true
    const appends = (async () => {
      for (let i = 0; i < 150; i++) await writer.append([{ docId: 'd', update: numbered(i) }], i)
      writing = false
    })()
    const compactions = async (storage: PostgresStorage) => {
      let merged = 0
      while (writing) {
        merged += (await storage.compact('d', concat)).mergedUpdates
        // Yield so the appends interleave with the compactions (no timing is assumed).
        await new Promise((resolve) => setImmediate(resolve))
      }
      return merged
    }
    const [, mergedA, mergedB] = await Promise.all([appends, compactions(compactorA), compactions(compactorB)])
    expect(mergedA + mergedB).toBeGreaterThan(0)
    const { snapshot, updates, lastSeq, snapshotSeq } = await writer.loadWithSeq('d')
    expect(lastSeq).toBe(150)
    expect(numbers(concat(snapshot, updates))).toEqual(Array.from({ length: 150 }, (_, i) => i))
    expect(updates).toHaveLength(150 - snapshotSeq)
    // Whatever was merged was merged once: the snapshot and the log never overlap.
    expect(mergedA + mergedB).toBe(snapshotSeq)
  })

  it('[D13] a compactor that finds another one at work merges nothing', async () => {
    const [a, b] = [await server(), await server()]
    await a.append([{ docId: 'd', update: u(1) }], 1)
    await a.compact('d', concat)
    // Another server's compaction holds the document's compaction lock (as a plain session here).
    const blocker = new pg.Client({ connectionString: database.url })
    await blocker.connect()
    try {
      await blocker.query('BEGIN')
      await blocker.query(`SELECT pg_advisory_xact_lock(${COMPACT_LOCK}, hashtext('d'))`)
      await a.append([{ docId: 'd', update: u(2) }], 2)
      expect(await b.compact('d', concat)).toEqual({ mergedUpdates: 0, snapshotBytes: 1 })
      await blocker.query('ROLLBACK')
      expect((await b.compact('d', concat)).mergedUpdates).toBe(1)
    } finally {
      await blocker.end()
    }
    expect(await b.load('d')).toEqual({ snapshot: u(1, 2), updates: [] })
  })

  it('loadSince returns the updates after a seq, and null once they were merged or deleted', async () => {
    const storage = await server()
    expect(await storage.loadSince('d', 0)).toEqual({ updates: [], lastSeq: 0 })
    await storage.append(
      [
        { docId: 'd', update: u(1) },
        { docId: 'd', update: u(2) },
      ],
      1,
    )
    await storage.append([{ docId: 'd', update: u(3) }], 2)
    expect(await storage.loadSince('d', 0)).toEqual({ updates: [u(1), u(2), u(3)], lastSeq: 3 })
    expect(await storage.loadSince('d', 2)).toEqual({ updates: [u(3)], lastSeq: 3 })
    expect(await storage.loadSince('d', 3)).toEqual({ updates: [], lastSeq: 3 })
    await storage.compact('d', concat)
    expect(await storage.loadSince('d', 1)).toBeNull()
    expect(await storage.loadSince('d', 3)).toEqual({ updates: [], lastSeq: 3 })
    await storage.append([{ docId: 'd', update: u(4) }], 3)
    expect(await storage.loadSince('d', 3)).toEqual({ updates: [u(4)], lastSeq: 4 })
    expect(await storage.loadWithSeq('d')).toEqual({ snapshot: u(1, 2, 3), updates: [u(4)], lastSeq: 4, snapshotSeq: 3 })
    // Deleted and re-created: the numbering continues, and the old history is gone.
    await storage.deleteDocument('d', 4)
    await storage.ensureDocument('d', 5, { recreate: true })
    await storage.append([{ docId: 'd', update: u(9) }], 6)
    expect(await storage.loadSince('d', 3)).toBeNull()
    expect(await storage.loadSince('d', 4)).toEqual({ updates: [u(9)], lastSeq: 5 })
    expect(await storage.loadWithSeq('d')).toEqual({ snapshot: null, updates: [u(9)], lastSeq: 5, snapshotSeq: 0 })
  })

  it('[C1] appendSequenced tells each entry its seq (null for a deleted document); heads gives the newest seq per document', async () => {
    const storage = await server()
    const other = await server()
    await other.append([{ docId: 'a', update: u(0) }], 1)
    await storage.append([{ docId: 'gone', update: u(0) }], 1)
    await storage.deleteDocument('gone', 2)
    const seqs = await storage.appendSequenced(
      [
        { docId: 'a', update: u(1) },
        { docId: 'b', update: u(2) },
        { docId: 'gone', update: u(3) },
        { docId: 'a', update: u(4) },
      ],
      3,
    )
    expect(seqs).toEqual([2, 1, null, 3])
    expect(await seqsOf(storage, 'a')).toEqual([1, 2, 3])
    expect(await other.heads(['a', 'b', 'gone', 'never'])).toEqual(
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
    )
    expect(await other.heads([])).toEqual(new Map())
  })

  it('[D14] N servers starting at once on an empty database apply each migration exactly once', async () => {
    const starting = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: database.url, max: 1 }))
    pools.push(...starting)
    const applied = await Promise.all(starting.map((pool) => migrate(pool)))
    expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version))
    expect(applied.filter((versions) => versions.length > 0)).toHaveLength(1)
    const rows = await starting[0]?.query<{ version: number }>('SELECT version FROM tandem_migrations ORDER BY version')
    expect(rows?.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version))
    // And a later start applies nothing, and storage opens on the migrated database.
    expect(await migrate(starting[1] as pg.Pool)).toEqual([])
    const storage = await server()
    await storage.append([{ docId: 'x', update: u(1) }], 1)
    expect((await storage.load('x')).updates).toEqual([u(1)])
  })

  it('[D13] a deletion racing appends from another server stays deleted: nothing is stored after it', async () => {
    const [writer, deleter] = [await server(), await server()]
    await writer.append([{ docId: 'x', update: u(0) }], 0)
    // The deletion goes in once the other server is ten appends into its sixty, not after a pause.
    let tenStored: () => void = () => {}
    const tenIn = new Promise<void>((resolve) => {
      tenStored = resolve
    })
    const appends = (async () => {
      for (let i = 1; i <= 60; i++) {
        await writer.append([{ docId: 'x', update: u(i), title: `t${i}` }], i)
        if (i === 10) tenStored()
      }
    })()
    await tenIn
    expect(await deleter.deleteDocument('x', 100)).toBe(true)
    await appends
    expect(await writer.isDeleted('x')).toBe(true)
    expect(await writer.getDocument('x')).toBeNull()
    expect(await writer.load('x')).toEqual({ snapshot: null, updates: [] })
    expect(await seqsOf(writer, 'x')).toEqual([])
    expect(await writer.listDocuments()).toEqual([])
  })

  it('[V2] servers saving the same automatic version at once store exactly one', async () => {
    const servers = [await server(), await server(), await server()]
    await servers[0]?.append([{ docId: 'x', update: u(1) }], 1)
    const save = (storage: PostgresStorage, i: number) =>
      storage.saveVersion(
        'x',
        { id: `v${i}`, name: null, author: null, createdAt: 10_000 + i, automatic: true, state: u(i) },
        { skipIfAutomaticSince: 5_000 },
      )
    const results = await Promise.all(servers.flatMap((storage, s) => [save(storage, 2 * s), save(storage, 2 * s + 1)]))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await servers[1]?.listVersions('x')).toHaveLength(1)
  })

  it('[H7] the seed lock: one holder across servers, whose commits still go through, released on a throw', async () => {
    const [a, b] = [await server(), await server()]
    const waitingForLock = async () =>
      Number(
        (
          await a.pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          )
        ).rows[0]?.n,
      )
    const entered: string[] = []
    let letGo = () => {}
    const gate = new Promise<void>((resolve) => {
      letGo = resolve
    })
    const holder = a.withSeedLock('doc', async () => {
      entered.push('a')
      // The commit path (DOC_LOCK) is not blocked by a seed lock holder.
      await a.append([{ docId: 'doc', update: u(1) }], 1)
      await gate
    })
    await waitFor(() => entered.length === 1, 'server a to hold the seed lock')
    // Three seeds wait on server b, whose pool has three connections: at most two of them may
    // tie one up, so b's own commits still get a connection.
    const waiters = ['b1', 'b2', 'b3'].map((name) => b.withSeedLock('doc', async () => void entered.push(name)))
    await waitFor(async () => (await waitingForLock()) === 2, 'two of b’s seeds to wait in PostgreSQL')
    await b.append([{ docId: 'doc', update: u(2) }], 2)
    expect(entered).toEqual(['a'])
    letGo()
    await Promise.all([holder, ...waiters])
    expect(entered.slice(1).sort()).toEqual(['b1', 'b2', 'b3'])
    await expect(a.withSeedLock('other', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await b.withSeedLock('other', async () => 'free')).toBe('free')
  })

  it('ping rejects once the database is gone', async () => {
    const storage = await server()
    await expect(storage.ping()).resolves.toBeUndefined()
    await database.drop()
    await expect(storage.ping()).rejects.toThrow()
  })
})
