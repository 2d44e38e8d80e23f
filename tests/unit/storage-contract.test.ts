import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStorage } from '../../server/storage/memory'
import { SqliteStorage } from '../../server/storage/sqlite'
import type { Storage } from '../../server/storage/storage'
import { makeTempDir, removeDir } from '../helpers/temp-dir'

/**
 * One contract, every backend (the rules are in server/storage/storage.ts). A backend that
 * persists is also reopened to check that what it said was stored is still there.
 */
interface Backend {
  open(): Storage
  /** Opens the same data again as a new instance, or null for a backend that forgets. */
  reopen: (() => Storage) | null
  cleanup(): void
}

const backends = [
  {
    name: 'memory',
    persistent: false,
    make: (): Backend => ({ open: () => new MemoryStorage(), reopen: null, cleanup() {} }),
  },
  {
    name: 'sqlite',
    persistent: true,
    make: (): Backend => {
      const dir = makeTempDir()
      return {
        open: () => new SqliteStorage({ dataDir: dir }),
        reopen: () => new SqliteStorage({ dataDir: dir }),
        cleanup: () => removeDir(dir),
      }
    },
  },
]

const u = (...values: number[]) => new Uint8Array(values)
const concat = (snapshot: Uint8Array | null, updates: readonly Uint8Array[]) =>
  new Uint8Array([...(snapshot ?? []), ...updates.flatMap((x) => [...x])])

describe.each(backends)('storage contract: $name', ({ make, persistent }) => {
  let backend: Backend
  let storage: Storage
  const open: Storage[] = []
  const start = () => {
    backend = make()
    storage = backend.open()
    open.push(storage)
    return storage
  }
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close()
    backend.cleanup()
  })

  it('append then load returns the updates in order, per document', async () => {
    start()
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
    start()
    const bytes = u(1, 2, 3)
    await storage.append([{ docId: 'a', update: bytes }], 1)
    bytes[0] = 99
    expect((await storage.load('a')).updates[0]).toEqual(u(1, 2, 3))
  })

  it('append is atomic: a batch that fails stores nothing', async () => {
    start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    const broken = [
      { docId: 'a', update: u(2) },
      { docId: null as unknown as string, update: u(3) },
    ]
    await expect(storage.append(broken, 2)).rejects.toThrow()
    expect((await storage.load('a')).updates).toEqual([u(1)])
  })

  it('append creates and touches document metadata, and records titles', async () => {
    start()
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
    start()
    const first = await storage.ensureDocument('x', 5)
    const second = await storage.ensureDocument('x', 6)
    expect(first.created).toBe(true)
    expect(second.created).toBe(false)
    expect(second.meta).toEqual({ id: 'x', title: '', createdAt: 5, updatedAt: 5 })
  })

  it('compact replaces snapshot + log with the merge, and later appends follow it', async () => {
    start()
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
    start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    await expect(
      storage.compact('a', () => {
        throw new Error('merge failed')
      }),
    ).rejects.toThrow('merge failed')
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [u(1)] })
  })

  it('deleteDocument removes metadata, snapshot and log', async () => {
    start()
    await storage.append(
      [
        { docId: 'a', update: u(1) },
        { docId: 'b', update: u(2) },
      ],
      1,
    )
    await storage.compact('a', concat)
    await storage.append([{ docId: 'a', update: u(3) }], 2)
    expect(await storage.deleteDocument('a')).toBe(true)
    expect(await storage.deleteDocument('a')).toBe(false)
    expect(await storage.load('a')).toEqual({ snapshot: null, updates: [] })
    expect(await storage.getDocument('a')).toBeNull()
    expect(await storage.load('b')).toEqual({ snapshot: null, updates: [u(2)] })
  })

  it('ping answers while open', async () => {
    start()
    await expect(storage.ping()).resolves.toBeUndefined()
  })

  it.runIf(persistent)('what was stored survives closing and reopening', async () => {
    start()
    if (!backend.reopen) throw new Error('unreachable: persistent backends reopen')
    await storage.append([{ docId: 'a', update: u(1), title: 'T' }], 1)
    await storage.compact('a', concat)
    await storage.append([{ docId: 'a', update: u(2) }], 2)
    await storage.close()
    const again = backend.reopen()
    open.push(again)
    expect(await again.load('a')).toEqual({ snapshot: u(1), updates: [u(2)] })
    expect((await again.getDocument('a'))?.title).toBe('T')
  })
})
