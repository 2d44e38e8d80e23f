import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStorage } from '../../server/storage/memory'
import { PostgresStorage } from '../../server/storage/postgres'
import { SqliteStorage } from '../../server/storage/sqlite'
import { DocumentDeletedError, type NewFile, type NewVersion, type Storage } from '../../server/storage/storage'
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
  {
    // The same file layout with the journal folded into the per-document log every few rows, so
    // every rule is also checked across folds (rows split between the log and the journal).
    name: 'sqlite, journal folded every 3 rows',
    persistent: true,
    make: async (): Promise<Backend> => {
      const dir = makeTempDir()
      return {
        open: async () => new SqliteStorage({ dataDir: dir, foldAfterRows: 3 }),
        reopen: async () => new SqliteStorage({ dataDir: dir, foldAfterRows: 3 }),
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

  const digest = (text: string, title = '', lastEditor?: string) => ({
    preview: text.slice(0, 140),
    text,
    searchText: `${title}\n${text}`.toLowerCase(),
    hasContent: text !== '',
    lastEditor,
  })

  it('[L8][L9] digests: only for existing documents, listed beside them, kept editor, stale until recomputed', async () => {
    await start()
    expect(await storage.saveDigest('missing', digest('x'), 1)).toBe(false)
    expect(await storage.listDocuments()).toEqual([])
    await storage.append([{ docId: 'typed', update: u(1) }], 10)
    // Created by an append: no digest yet, so nothing is known (and it is stale).
    expect(await storage.listDocuments()).toMatchObject([{ id: 'typed', preview: null, lastEditor: null, hasContent: null }])
    expect(await storage.staleDigests(10)).toEqual(['typed'])
    // Created explicitly: empty, and known to be.
    await storage.ensureDocument('made', 20)
    expect((await storage.listDocuments()).find((d) => d.id === 'made')).toMatchObject({ preview: '', hasContent: false })
    expect(await storage.staleDigests(10)).toEqual(['typed'])

    expect(await storage.saveDigest('typed', digest('Hello World', 'Greeting', 'Ada'), 10)).toBe(true)
    expect(await storage.staleDigests(10)).toEqual([])
    // A digest without an editor (recomputed at start) keeps the one stored.
    expect(await storage.saveDigest('typed', digest('Hello World again', 'Greeting'), 10)).toBe(true)
    expect((await storage.listDocuments()).find((d) => d.id === 'typed')).toMatchObject({
      preview: 'Hello World again',
      lastEditor: 'Ada',
      hasContent: true,
    })
    await storage.append([{ docId: 'typed', update: u(2) }], 11)
    expect(await storage.staleDigests(10)).toEqual(['typed'])
    expect(await storage.documentTexts(['typed', 'made', 'missing'])).toEqual(
      new Map([
        ['typed', 'Hello World again'],
        ['made', ''],
      ]),
    )
    if (persistent && backend.reopen) {
      await storage.close()
      open.splice(open.indexOf(storage), 1)
      const again = await backend.reopen()
      open.push(again)
      expect((await again.listDocuments()).find((d) => d.id === 'typed')).toMatchObject({ lastEditor: 'Ada', preview: 'Hello World again' })
    }
  })

  it('[L9] search matches every term as a substring of the search text; deletion removes the digest', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    await storage.append([{ docId: 'b', update: u(1) }], 2)
    await storage.saveDigest('a', digest('The Zebra crossing', 'Plans'), 3)
    await storage.saveDigest('b', digest('zebras and straße', 'Other'), 3)
    expect((await storage.searchDocuments(['zebra'])).map((d) => d.id)).toEqual(['b', 'a'])
    expect((await storage.searchDocuments(['zebra', 'plans'])).map((d) => d.id)).toEqual(['a'])
    expect((await storage.searchDocuments(['straße'])).map((d) => d.id)).toEqual(['b'])
    expect(await storage.searchDocuments(['zebra', 'nowhere'])).toEqual([])
    expect(await storage.searchDocuments([])).toEqual([])
    await storage.deleteDocument('a', 4)
    expect((await storage.searchDocuments(['zebra'])).map((d) => d.id)).toEqual(['b'])
    expect(await storage.documentTexts(['a'])).toEqual(new Map())
    // Re-created, it starts empty again.
    await storage.ensureDocument('a', 5, { recreate: true })
    expect((await storage.listDocuments()).find((d) => d.id === 'a')).toMatchObject({ preview: '', hasContent: false, lastEditor: null })
  })

  it('a long log of interleaved documents loads in append order, between batches and after reopening', async () => {
    await start()
    const expected = new Map<string, Uint8Array[]>()
    for (let batch = 0; batch < 12; batch++) {
      const entries = [0, 1, 2, 3, 4].map((i) => ({ docId: `doc-${(batch + i) % 3}`, update: u(batch, i) }))
      for (const { docId, update } of entries) expected.set(docId, [...(expected.get(docId) ?? []), update])
      await storage.append(entries, batch)
      expect((await storage.load('doc-0')).updates).toEqual(expected.get('doc-0'))
      // Let anything the backend does between commits (the SQLite journal's fold) run.
      await new Promise((resolve) => setImmediate(resolve))
    }
    for (const [docId, updates] of expected) expect(await storage.load(docId)).toEqual({ snapshot: null, updates })
    if (!persistent || !backend.reopen) return
    await storage.close()
    const reopened = await backend.reopen()
    open.push(reopened)
    for (const [docId, updates] of expected) expect(await reopened.load(docId)).toEqual({ snapshot: null, updates })
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

  const version = (id: string, createdAt: number, extra: Partial<NewVersion> = {}): NewVersion => ({
    id,
    name: null,
    author: null,
    createdAt,
    automatic: true,
    state: u(createdAt % 256, 1, 2),
    ...extra,
  })

  it('[V1] saveVersion keeps a version; list is newest first without states; get and latest return the state', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    const author = { name: 'Ann', id: 'u-ann' }
    expect(await storage.saveVersion('a', version('v1', 100, { name: 'First', author, automatic: false, state: u(5, 6, 7, 8) }))).toBe(true)
    expect(await storage.saveVersion('a', version('v2', 300, { author: { name: 'Ben' } }))).toBe(true)
    // Same instant as v2: save order breaks the tie.
    expect(await storage.saveVersion('a', version('v3', 300))).toBe(true)
    expect(await storage.saveVersion('a', version('v0', 50))).toBe(true)
    expect(await storage.listVersions('a')).toEqual([
      { id: 'v3', name: null, author: null, createdAt: 300, automatic: true, size: 3 },
      { id: 'v2', name: null, author: { name: 'Ben' }, createdAt: 300, automatic: true, size: 3 },
      { id: 'v1', name: 'First', author, createdAt: 100, automatic: false, size: 4 },
      { id: 'v0', name: null, author: null, createdAt: 50, automatic: true, size: 3 },
    ])
    expect(await storage.getVersion('a', 'v1')).toEqual({
      id: 'v1',
      name: 'First',
      author,
      createdAt: 100,
      automatic: false,
      size: 4,
      state: u(5, 6, 7, 8),
    })
    expect((await storage.latestVersion('a'))?.id).toBe('v3')
    expect(await storage.getVersion('a', 'nope')).toBeNull()
    expect(await storage.getVersion('b', 'v1')).toBeNull()
    expect(await storage.latestVersion('b')).toBeNull()
    expect(await storage.listVersions('b')).toEqual([])
  })

  it('[V1] saveVersion keeps its own copy of the state', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    const state = u(1, 2, 3)
    await storage.saveVersion('a', version('v', 1, { state }))
    state[0] = 99
    expect((await storage.getVersion('a', 'v'))?.state).toEqual(u(1, 2, 3))
  })

  it('[V2] saveVersion with skipIfAutomaticSince stores nothing when an automatic version is that recent', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    await storage.saveVersion('a', version('named', 950, { automatic: false, name: 'n' }))
    // A named version does not count; an automatic one at or after the time does.
    expect(await storage.saveVersion('a', version('auto1', 1000), { skipIfAutomaticSince: 900 })).toBe(true)
    expect(await storage.saveVersion('a', version('auto2', 1500), { skipIfAutomaticSince: 1000 })).toBe(false)
    expect(await storage.saveVersion('a', version('auto3', 1600), { skipIfAutomaticSince: 1001 })).toBe(true)
    expect((await storage.listVersions('a')).map((v) => v.id)).toEqual(['auto3', 'auto1', 'named'])
  })

  it('[V2] concurrent conditional saves of one document store exactly one', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => storage.saveVersion('a', version(`c${i}`, 2000 + i), { skipIfAutomaticSince: 1000 })),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await storage.listVersions('a')).toHaveLength(1)
  })

  it('[V1] renameVersion names a version; deleteVersions removes only the given ones of that document', async () => {
    await start()
    await storage.append(
      [
        { docId: 'a', update: u(1) },
        { docId: 'b', update: u(2) },
      ],
      1,
    )
    for (const id of ['v1', 'v2', 'v3']) await storage.saveVersion('a', version(id, Number(id.slice(1))))
    await storage.saveVersion('b', version('v1', 1))
    expect(await storage.renameVersion('a', 'v2', 'Kept')).toEqual({
      id: 'v2',
      name: 'Kept',
      author: null,
      createdAt: 2,
      automatic: true,
      size: 3,
    })
    expect(await storage.renameVersion('a', 'nope', 'x')).toBeNull()
    expect(await storage.deleteVersions('a', ['v1', 'v3', 'nope'])).toBe(2)
    expect(await storage.deleteVersions('a', [])).toBe(0)
    expect((await storage.listVersions('a')).map((v) => [v.id, v.name])).toEqual([['v2', 'Kept']])
    expect((await storage.listVersions('b')).map((v) => v.id)).toEqual(['v1'])
  })

  it('[V1] versions survive compaction and are deleted with their document; a deleted document gains none', async () => {
    await start()
    await storage.append(
      [
        { docId: 'a', update: u(1) },
        { docId: 'a', update: u(2) },
      ],
      1,
    )
    await storage.saveVersion('a', version('v1', 1))
    await storage.compact('a', concat)
    expect((await storage.listVersions('a')).map((v) => v.id)).toEqual(['v1'])
    await storage.deleteDocument('a', 2)
    expect(await storage.listVersions('a')).toEqual([])
    expect(await storage.getVersion('a', 'v1')).toBeNull()
    await expect(storage.saveVersion('a', version('v2', 3))).rejects.toBeInstanceOf(DocumentDeletedError)
    await expect(storage.saveVersion('never', version('v2', 3))).rejects.toBeInstanceOf(DocumentDeletedError)
    // Re-created, it starts with no history.
    await storage.ensureDocument('a', 4, { recreate: true })
    expect(await storage.listVersions('a')).toEqual([])
  })

  it.runIf(persistent)('[V1] versions survive closing and reopening', async () => {
    await start()
    if (!backend.reopen) throw new Error('unreachable: persistent backends reopen')
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    await storage.saveVersion('a', version('v1', 10, { name: 'n', author: { name: 'Ann', id: 'u' }, automatic: false }))
    await storage.close()
    const again = await backend.reopen()
    open.push(again)
    expect(await again.getVersion('a', 'v1')).toEqual({
      id: 'v1',
      name: 'n',
      author: { name: 'Ann', id: 'u' },
      createdAt: 10,
      automatic: false,
      size: 3,
      state: u(10, 1, 2),
    })
  })

  const pngFile = (id: string, data: Uint8Array, createdAt = 1): NewFile => ({
    id,
    type: 'image/png',
    declaredType: 'image/x-declared',
    name: 'cat.png',
    createdAt,
    data,
  })

  it('[F5] saveFile stores a file of an existing document; getFile returns its bytes and types, listFiles its metadata', async () => {
    await start()
    await storage.ensureDocument('a', 1)
    const data = u(137, 80, 78, 71, 1, 2, 3)
    const saved = await storage.saveFile('a', pngFile('f1', data, 5))
    expect(saved).toEqual({
      created: true,
      meta: { id: 'f1', type: 'image/png', declaredType: 'image/x-declared', name: 'cat.png', createdAt: 5, size: 7 },
    })
    data[0] = 0 // the stored copy is the backend's own
    const got = await storage.getFile('a', 'f1')
    expect(got?.data).toEqual(u(137, 80, 78, 71, 1, 2, 3))
    expect({ ...got, data: undefined }).toEqual({ ...saved.meta, data: undefined })
    await storage.saveFile('a', { ...pngFile('f2', u(9), 6), declaredType: null, name: null })
    expect((await storage.listFiles('a')).map((f) => [f.id, f.declaredType, f.name])).toEqual([
      ['f1', 'image/x-declared', 'cat.png'],
      ['f2', null, null],
    ])
    expect(await storage.getFile('a', 'missing')).toBeNull()
    expect(await storage.getFile('other', 'f1')).toBeNull()
  })

  it('[F5] saving an id the document already has stores nothing and answers the stored file', async () => {
    await start()
    await storage.ensureDocument('a', 1)
    await storage.ensureDocument('b', 1)
    await storage.saveFile('a', pngFile('same', u(1, 2), 1))
    const again = await storage.saveFile('a', { ...pngFile('same', u(1, 2), 9), name: 'other.png' })
    expect(again.created).toBe(false)
    expect(again.meta.name).toBe('cat.png')
    expect(again.meta.createdAt).toBe(1)
    // The same id in another document is that document's own file.
    expect((await storage.saveFile('b', pngFile('same', u(1, 2), 3))).created).toBe(true)
    expect(await storage.listFiles('a')).toHaveLength(1)
  })

  it('[F6] files survive compaction and versions, are deleted with their document, and a deleted document gains none', async () => {
    await start()
    await storage.append([{ docId: 'a', update: u(1) }], 1)
    await storage.saveFile('a', pngFile('f1', u(7)))
    await storage.compact('a', concat)
    await storage.saveVersion('a', { id: 'v1', name: null, author: null, createdAt: 2, automatic: false, state: u(1) })
    expect((await storage.getFile('a', 'f1'))?.data).toEqual(u(7))
    expect(await storage.deleteDocument('a', 3)).toBe(true)
    expect(await storage.getFile('a', 'f1')).toBeNull()
    expect(await storage.listFiles('a')).toEqual([])
    await expect(storage.saveFile('a', pngFile('f2', u(8)))).rejects.toBeInstanceOf(DocumentDeletedError)
    await expect(storage.saveFile('never-stored', pngFile('f3', u(8)))).rejects.toBeInstanceOf(DocumentDeletedError)
    // Re-created, the document starts without files.
    await storage.ensureDocument('a', 4, { recreate: true })
    expect(await storage.listFiles('a')).toEqual([])
  })

  it.runIf(persistent)('[F5] files survive closing and reopening', async () => {
    await start()
    if (!backend.reopen) throw new Error('unreachable: persistent backends reopen')
    await storage.ensureDocument('a', 1)
    const data = new Uint8Array(300_000).map((_, i) => i % 251)
    await storage.saveFile('a', pngFile('big', data))
    await storage.close()
    const again = await backend.reopen()
    open.push(again)
    expect((await again.getFile('a', 'big'))?.data).toEqual(data)
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
