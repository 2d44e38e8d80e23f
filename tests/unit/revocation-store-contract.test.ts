import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryRevocationStore } from '../../server/storage/memory-revocation-store'
import { PostgresStorage } from '../../server/storage/postgres'
import { PostgresRevocationStore } from '../../server/storage/postgres-revocation-store'
import type { RevocationStore } from '../../server/storage/revocation-store'
import { SqliteStorage } from '../../server/storage/sqlite'
import { SqliteRevocationStore } from '../../server/storage/sqlite-revocation-store'
import { createTestDatabase, postgresAvailability } from '../helpers/postgres'
import { makeTempDir, removeDir } from '../helpers/temp-dir'

/**
 * One contract, every revocation store (the rules are in server/storage/revocation-store.ts).
 * A store that persists is also reopened to check that what it recorded is still there.
 */
interface Backend {
  open(): Promise<RevocationStore>
  /** Closes what `open` opened (the shared SQLite connection or PostgreSQL pool). */
  close(): Promise<void>
  /** Closes and opens the same data again, or null for a store that forgets. */
  reopen: (() => Promise<RevocationStore>) | null
  cleanup(): Promise<void>
}

const backends = [
  {
    name: 'memory',
    persistent: false,
    make: async (): Promise<Backend> => ({
      open: async () => new MemoryRevocationStore(),
      close: async () => {},
      reopen: null,
      async cleanup() {},
    }),
  },
  {
    name: 'sqlite (sharing the document storage connection)',
    persistent: true,
    make: async (): Promise<Backend> => {
      const dir = makeTempDir()
      let storage: SqliteStorage | null = null
      const open = async () => {
        storage = new SqliteStorage({ dataDir: dir })
        return new SqliteRevocationStore(storage.connection)
      }
      const close = async () => {
        await storage?.close()
        storage = null
      }
      return {
        open,
        close,
        reopen: async () => {
          await close()
          return open()
        },
        cleanup: async () => removeDir(dir),
      }
    },
  },
  // A fresh database per test; skipped loudly when no PostgreSQL answers (a failure under CI=true).
  ...((await postgresAvailability())
    ? [
        {
          name: 'postgres (sharing the document storage pool)',
          persistent: true,
          make: async (): Promise<Backend> => {
            const database = await createTestDatabase()
            let storage: PostgresStorage | null = null
            const open = async () => {
              storage = await PostgresStorage.open({ connectionString: database.url, poolSize: 2 })
              return new PostgresRevocationStore(storage.pool)
            }
            const close = async () => {
              await storage?.close()
              storage = null
            }
            return {
              open,
              close,
              reopen: async () => {
                await close()
                return open()
              },
              cleanup: () => database.drop(),
            }
          },
        },
      ]
    : []),
]

const byTime = <T extends { at: number }>(list: T[]) => [...list].sort((a, b) => a.at - b.at)

describe.each(backends)('revocation store contract: $name', ({ make, persistent }) => {
  let backend: Backend
  afterEach(async () => {
    await backend.close()
    await backend.cleanup()
  })

  it('lists nothing at first', async () => {
    backend = await make()
    expect(await (await backend.open()).list()).toEqual([])
  })

  it('keeps one revocation per user or document: a later add replaces the earlier, whatever its time', async () => {
    backend = await make()
    const store = await backend.open()
    await store.add({ kind: 'user', id: 'u1', at: 10 })
    await store.add({ kind: 'document', id: 'd1', at: 20 })
    await store.add({ kind: 'user', id: 'u1', at: 30 })
    // The same id as a user and as a document are two revocations.
    await store.add({ kind: 'document', id: 'u1', at: 5 })
    expect(byTime(await store.list())).toEqual([
      { kind: 'document', id: 'u1', at: 5 },
      { kind: 'document', id: 'd1', at: 20 },
      { kind: 'user', id: 'u1', at: 30 },
    ])
    await store.add({ kind: 'document', id: 'd1', at: 15 })
    expect(byTime(await store.list()).find((r) => r.id === 'd1')).toEqual({ kind: 'document', id: 'd1', at: 15 })
  })

  it('hands out copies: changing a listed revocation or the added object changes nothing stored', async () => {
    backend = await make()
    const store = await backend.open()
    const added = { kind: 'user' as const, id: 'u', at: 1 }
    await store.add(added)
    ;(added as { at: number }).at = 99
    const [listed] = await store.list()
    ;(listed as { at: number }).at = 42
    expect(await store.list()).toEqual([{ kind: 'user', id: 'u', at: 1 }])
  })

  it.runIf(persistent)('a persistent store still lists what it recorded after being reopened', async () => {
    backend = await make()
    if (!backend.reopen) throw new Error('unreachable: persistent backends reopen')
    const store = await backend.open()
    await store.add({ kind: 'document', id: 'a', at: 7 })
    await store.add({ kind: 'user', id: 'b', at: 8 })
    const again = await backend.reopen()
    expect(byTime(await again.list())).toEqual([
      { kind: 'document', id: 'a', at: 7 },
      { kind: 'user', id: 'b', at: 8 },
    ])
  })
})

describe('SQLite revocations next to documents', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir)
  })

  it('live in the same database file as the documents, and neither disturbs the other', async () => {
    const dir = makeTempDir()
    dirs.push(dir)
    const storage = new SqliteStorage({ dataDir: dir })
    const revocations = new SqliteRevocationStore(storage.connection)
    await storage.append([{ docId: 'doc', update: new Uint8Array([1]) }], 1)
    await revocations.add({ kind: 'document', id: 'doc', at: 2 })
    expect(await storage.deleteDocument('doc', 3)).toBe(true)
    expect(await revocations.list()).toEqual([{ kind: 'document', id: 'doc', at: 2 }])
    await storage.close()
    const file = new Database(path.join(dir, 'tandem.db'), { readonly: true })
    try {
      expect(file.prepare('SELECT kind, id, at FROM revocations').all()).toEqual([{ kind: 'document', id: 'doc', at: 2 }])
    } finally {
      file.close()
    }
  })

  it('reads the rows of a database written before revocations had a store of their own', async () => {
    const dir = makeTempDir()
    dirs.push(dir)
    // The table as document storage used to create it, with a row in it.
    const storage = new SqliteStorage({ dataDir: dir })
    await storage.close()
    const old = new Database(path.join(dir, 'tandem.db'))
    old.exec('CREATE TABLE revocations (kind TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (kind, id))')
    old.prepare('INSERT INTO revocations (kind, id, at) VALUES (?, ?, ?)').run('user', 'mallory', 1234)
    old.close()
    const reopened = new SqliteStorage({ dataDir: dir })
    try {
      const revocations = new SqliteRevocationStore(reopened.connection)
      expect(await revocations.list()).toEqual([{ kind: 'user', id: 'mallory', at: 1234 }])
    } finally {
      await reopened.close()
    }
  })
})
