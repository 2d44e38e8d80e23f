import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStorage } from '../../server/storage/memory'
import { PostgresStorage } from '../../server/storage/postgres'
import { SqliteStorage } from '../../server/storage/sqlite'
import { DocumentDeletedError, type Storage } from '../../server/storage/storage'
import { createTestDatabase, postgresAvailability } from '../helpers/postgres'
import { makeTempDir, removeDir } from '../helpers/temp-dir'

/**
 * One contract, every backend (the rules are in server/storage/storage.ts). A backend that
 * persists is also reopened to check that what it said was stored is still there.
 */
interface Backend {
  open(): Promise<Storage>
  /** Opens the same data again as a new instance, or null for a backend that forgets. */
  reopen: (() => Promise<Storage>) | null
  cleanup(): Promise<void>
}

const backends = [
  {
    name: 'memory',
    persistent: false,
    make: async (): Promise<Backend> => ({ open: async () => new MemoryStorage(), reopen: null, async cleanup() {} }),
  },
  {
    name: 'sqlite',
    persistent: true,
    make: async (): Promise<Backend> => {
      const dir = makeTempDir()
      return {
        open: async () => new SqliteStorage({ dataDir: dir }),
        reopen: async () => new SqliteStorage({ dataDir: dir }),
        cleanup: async () => removeDir(dir),
      }
    },
  },
  // A fresh database per test; skipped loudly when no PostgreSQL answers (a failure under CI=true).
  ...((await postgresAvailability())
    ? [
        {
          name: 'postgres',
          persistent: true,
          make: async (): Promise<Backend> => {
            const database = await createTestDatabase()
            const open = () => PostgresStorage.open({ connectionString: database.url, poolSize: 2 })
            return { open, reopen: open, cleanup: () => database.drop() }
          },
        },
      ]
    : []),
]

const u = (...values: number[]) => new Uint8Array(values)
const concat = (snapshot: Uint8Array | null, updates: readonly Uint8Array[]) =>
  new Uint8Array([...(snapshot ?? []), ...updates.flatMap((x) => [...x])])

describe.each(backends)('storage contract: $name', ({ make, persistent }) => {
  let backend: Backend
  let storage: Storage
  const open: Storage[] = []
  const start = async () => {
    backend = await make()
    storage = await backend.open()
    open.push(storage)
    return storage
  }
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
    await backend.cleanup()
  })

  it('append then load returns the updates in order, per document', async () => {
    await start()
    await storage.append(
      [
        { docId: 'a', update: u(1) },
        { docId: 'b', update: u(9) },
        { docId: 'a', update: u(2) },
      ],
      10,
    )
    await storage.append([{ docId: 'a', update: u(3) }], 11)
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [u(1), u(2), u(3)] })
    expect(await storage.load('b')).toEqual({ snapshot: null, updates: [u(9)] })
    expect(await storage.load('missing')).toEqual({ snapshot: null, updates: [] })
  })

  it('append keeps its own copy of the bytes', async () => {
    await start()
    const bytes = u(1, 2, 3)
    await storage.append([{ docId: 'a', update: bytes }], 1)
    bytes[0] = 99
    expect((await storage.load('a')).updates[0]).toEqual(u(1, 2, 3))
  })

  it('append is atomic: a batch that fails stores nothing', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    const broken = [
      { docId: 'a', update: u(2) },
      { docId: null as unknown as string, update: u(3) },
    ]
    await expect(storage.append(broken, 2)).rejects.toThrow()
    expect((await storage.load('a')).updates).toEqual([u(1)])
  })

  it('append creates and touches document metadata, and records titles', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 100)
    await storage.append([{ docId: 'b', update: u(1), title: 'Bee' }], 200)
    await storage.append(
      [
        { docId: 'a', update: u(2), title: 'Ay' },
        { docId: 'a', update: u(3) },
      ],
      300,
    )
    expect(await storage.getDocument('a')).toEqual({ id: 'a', title: 'Ay', createdAt: 100, updatedAt: 300 })
    expect((await storage.listDocuments()).map((d) => d.id)).toEqual(['a', 'b'])
    expect(await storage.getDocument('nope')).toBeNull()
  })

  it('ensureDocument creates once', async () => {
    await start()
    const first = await storage.ensureDocument('x', 5)
    const second = await storage.ensureDocument('x', 6)
    expect(first.created).toBe(true)
    expect(second.created).toBe(false)
    expect(second.meta).toEqual({ id: 'x', title: '', createdAt: 5, updatedAt: 5 })
  })

  it('compact replaces snapshot + log with the merge, and later appends follow it', async () => {
    await start()
    await storage.append(
      [
        { docId: 'a', update: u(1) },
        { docId: 'a', update: u(2) },
      ],
      1,
    )
    const result = await storage.compact('a', concat)
    expect(result.mergedUpdates).toBe(2)
    await storage.append([{ docId: 'a', update: u(3) }], 2)
    expect(await storage.load('a')).toEqual({ snapshot: u(1, 2), updates: [u(3)] })
    await storage.compact('a', concat)
    expect(await storage.load('a')).toEqual({ snapshot: u(1, 2, 3), updates: [] })
    expect((await storage.compact('a', concat)).mergedUpdates).toBe(0)
    await storage.append(
      [
        { docId: 'a', update: u(4) },
        { docId: 'a', update: u(5) },
      ],
      3,
    )
    expect(await storage.load('a')).toEqual({ snapshot: u(1, 2, 3), updates: [u(4), u(5)] })
  })

  it('a failing merge leaves the log as it was', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    await expect(
      storage.compact('a', () => {
        throw new Error('merge failed')
      }),
    ).rejects.toThrow('merge failed')
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [u(1)] })
  })

  it('deleteDocument removes metadata, snapshot and log', async () => {
    await start()
    await storage.append(
      [
        { docId: 'a', update: u(1) },
        { docId: 'b', update: u(2) },
      ],
      1,
    )
    await storage.compact('a', concat)
    await storage.append([{ docId: 'a', update: u(3) }], 2)
    expect(await storage.deleteDocument('a', 3)).toBe(true)
    expect(await storage.deleteDocument('a', 4)).toBe(false)
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [] })
    expect(await storage.getDocument('a')).toBeNull()
    expect(await storage.load('b')).toEqual({ snapshot: null, updates: [u(2)] })
  })

  it('[L7] delete leaves a tombstone; deleting a document that never existed leaves none', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    expect(await storage.isDeleted('a')).toBe(false)
    expect(await storage.deleteDocument('a', 2)).toBe(true)
    expect(await storage.isDeleted('a')).toBe(true)
    expect(await storage.deleteDocument('never', 2)).toBe(false)
    expect(await storage.isDeleted('never')).toBe(false)
    expect(await storage.getDocument('a')).toBeNull()
    expect((await storage.listDocuments()).map((d) => d.id)).toEqual([])
  })

  it('[L7] a deleted document gains nothing implicitly: append drops its entries, ensureDocument refuses', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    await storage.deleteDocument('a', 2)
    // The batch's other documents are stored; the deleted one's entries are dropped, not an error.
    await storage.append(
      [
        { docId: 'a', update: u(2), title: 'Back?' },
        { docId: 'b', update: u(3) },
      ],
      3,
    )
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [] })
    expect(await storage.getDocument('a')).toBeNull()
    expect(await storage.load('b')).toEqual({ snapshot: null, updates: [u(3)] })
    expect((await storage.listDocuments()).map((d) => d.id)).toEqual(['b'])
    await expect(storage.ensureDocument('a', 4)).rejects.toBeInstanceOf(DocumentDeletedError)
    expect(await storage.getDocument('a')).toBeNull()
    expect(await storage.isDeleted('a')).toBe(true)
    expect(await storage.compact('a', concat)).toEqual({ mergedUpdates: 0, snapshotBytes: 0 })
  })

  it('[L7] recreate clears the tombstone and creates the document empty; it is a no-op on a live one', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1), title: 'Old' }], 1)
    await storage.deleteDocument('a', 2)
    const again = await storage.ensureDocument('a', 5, { recreate: true })
    expect(again).toEqual({ meta: { id: 'a', title: '', createdAt: 5, updatedAt: 5 }, created: true })
    expect(await storage.isDeleted('a')).toBe(false)
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [] })
    await storage.append([{ docId: 'a', update: u(7) }], 6)
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [u(7)] })
    expect((await storage.ensureDocument('a', 7, { recreate: true })).created).toBe(false)
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [u(7)] })
    // Deleted again: tombstoned again.
    expect(await storage.deleteDocument('a', 8)).toBe(true)
    expect(await storage.isDeleted('a')).toBe(true)
  })

  it('ping answers while open', async () => {
    await start()
    await expect(storage.ping()).resolves.toBeUndefined()
  })

  it.runIf(persistent)('what was stored survives closing and reopening', async () => {
    await start()
    if (!backend.reopen) throw new Error('unreachable: persistent backends reopen')
    await storage.append([{ docId: 'a', update: u(1), title: 'T' }], 1)
    await storage.compact('a', concat)
    await storage.append([{ docId: 'a', update: u(2) }], 2)
    await storage.close()
    const again = await backend.reopen()
    open.push(again)
    expect(await again.load('a')).toEqual({ snapshot: u(1), updates: [u(2)] })
    expect((await again.getDocument('a'))?.title).toBe('T')
  })

  it.runIf(persistent)('[L7] a tombstone survives closing and reopening, and so does its clearing', async () => {
    await start()
    if (!backend.reopen) throw new Error('unreachable: persistent backends reopen')
    await storage.append([{ docId: 'gone', update: u(1) }], 1)
    await storage.append([{ docId: 'back', update: u(2) }], 1)
    await storage.deleteDocument('gone', 2)
    await storage.deleteDocument('back', 2)
    await storage.ensureDocument('back', 3, { recreate: true })
    await storage.close()
    const again = await backend.reopen()
    open.push(again)
    expect(await again.isDeleted('gone')).toBe(true)
    expect(await again.isDeleted('back')).toBe(false)
    await expect(again.ensureDocument('gone', 4)).rejects.toBeInstanceOf(DocumentDeletedError)
    await again.append([{ docId: 'gone', update: u(3) }], 5)
    expect(await again.load('gone')).toEqual({ snapshot: null, updates: [] })
    expect(await again.getDocument('back')).toEqual({ id: 'back', title: '', createdAt: 3, updatedAt: 3 })
  })
})
