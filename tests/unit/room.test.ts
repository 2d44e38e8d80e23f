import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '../../lib/protocol'
import { CommitQueue } from '../../server/rooms/commit-queue'
import { Compactor } from '../../server/rooms/compactor'
import { RoomManager } from '../../server/rooms/room-manager'
import { MemoryStorage } from '../../server/storage/memory'
import type { Storage } from '../../server/storage/storage'
import { GatedStorage } from '../helpers/gated-storage'
import { MemoryPeer } from '../helpers/memory-peer'
import { sleep, waitFor } from '../helpers/wait'

/**
 * The room, the room manager and the commit queue with in-memory socket pairs: real Yjs and
 * y-protocols on the client side, real storage (memory) on the other. No network.
 */
function setup(
  storage: Storage = new MemoryStorage(),
  options: { compactAfterUpdates?: number; maxBacklog?: number; maxLoadedDocuments?: number } = {},
) {
  const logger = pino({ level: 'silent' })
  const limitHits: string[] = []
  const commitQueue = new CommitQueue({ storage, logger, retryDelayMs: 5 })
  const compactor = new Compactor(storage, logger)
  const rooms = new RoomManager({
    storage,
    commitQueue,
    compactor,
    logger,
    compactAfterUpdates: options.compactAfterUpdates ?? 500,
    backlogLimits: { maxMessages: options.maxBacklog ?? 100, maxBytes: 1024 * 1024 },
    presenceLimits: { maxAwarenessPerSecond: 1000, maxAwarenessStateBytes: 8192 },
    maxLoadedDocuments: options.maxLoadedDocuments ?? 100,
    onLimitHit: (kind) => limitHits.push(kind),
  })
  const peers: MemoryPeer[] = []
  function join(docId = 'doc', canWrite = true) {
    const peer = new MemoryPeer()
    const connection = rooms.connect(peer, { docId, remoteAddress: 'memory', identity: null, canWrite })
    peer.attach((frame) => connection.receive(frame))
    peers.push(peer)
    return {
      peer,
      connection,
      /** The client goes away (as the transport reports a socket close). */
      leave() {
        peer.close(1000, 'bye')
        connection.closed({ code: 1000, reason: 'bye' })
      },
    }
  }
  async function stored(docId = 'doc'): Promise<Y.Doc> {
    const data = await storage.load(docId)
    const doc = new Y.Doc()
    if (data.snapshot) Y.applyUpdate(doc, data.snapshot)
    for (const update of data.updates) Y.applyUpdate(doc, update)
    return doc
  }
  return { storage, rooms, commitQueue, compactor, join, stored, peers, limitHits }
}

const text = (doc: Y.Doc) => doc.getText('t').toString()

/** varUint encoding of a length (lib0), for hand-built frames. */
function encodeLength(n: number): number[] {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 127) | 128)
    n >>>= 7
  }
  out.push(n)
  return out
}

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups) await fn()
  cleanups = []
})

describe('room: sync', () => {
  it('[P2][P3] a joining client gets the server state vector and, for its step 1, the stored content', async () => {
    const storage = new MemoryStorage()
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'stored before')
    await storage.append([{ docId: 'doc', update: Y.encodeStateAsUpdate(seed) }], 1)
    const { join } = setup(storage)
    const { peer } = join()
    await waitFor(() => peer.synced && peer.frames.some((f) => f[0] === 0 && f[1] === 0), 'sync and server step 1')
    expect(text(peer.doc)).toBe('stored before')
  })

  it('[L6][P3][L2][D5] cold load: a new client is answered from the stored bytes, then joins the loaded room', async () => {
    const storage = new MemoryStorage()
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'snapshot ')
    await storage.append([{ docId: 'doc', update: Y.encodeStateAsUpdate(seed) }], 1)
    await storage.compact('doc', (snapshot, updates) => Y.mergeUpdates([...(snapshot ? [snapshot] : []), ...updates]))
    const before = Y.encodeStateVector(seed)
    seed.getText('t').insert(9, 'and tail')
    await storage.append([{ docId: 'doc', update: Y.encodeStateAsUpdate(seed, before) }], 2)
    const { join } = setup(storage)
    const { peer } = join()
    await waitFor(() => peer.synced, 'synced')
    // The first frame is the answer (step 2) built from snapshot + tail, before the room existed.
    expect(peer.frames[0]?.slice(0, 2)).toEqual(new Uint8Array([0, 1]))
    expect(text(peer.doc)).toBe('snapshot and tail')
    // Then it joined normally: it got the server's state vector and its edits are stored.
    await waitFor(() => peer.frames.some((f) => f[0] === 0 && f[1] === 0), 'server step 1')
    peer.doc.getText('t').insert(0, '> ')
    await waitFor(() => peer.frames.some((f) => f[0] === 0 && f[1] === 2), 'echo')
    const data = await storage.load('doc')
    const reread = new Y.Doc()
    for (const u of [data.snapshot!, ...data.updates]) Y.applyUpdate(reread, u)
    expect(text(reread)).toBe('> snapshot and tail')
  })

  it('[P3] every fresh client gets the current content, though the full state is encoded once per version', async () => {
    const { join } = setup()
    const a = join()
    await waitFor(() => a.peer.synced, 'a synced')
    const fullStates: Uint8Array[] = []
    for (const expected of ['x', 'xy']) {
      a.peer.doc.getText('t').insert(a.peer.doc.getText('t').length, expected.at(-1)!)
      await waitFor(() => a.peer.frames.filter((f) => f[0] === 0 && f[1] === 2).length >= expected.length, 'stored')
      const fresh = [join(), join()]
      await waitFor(() => fresh.every((c) => c.peer.synced), 'fresh clients synced')
      for (const c of fresh) {
        expect(text(c.peer.doc)).toBe(expected)
        fullStates.push(c.peer.frames.find((f) => f[0] === 0 && f[1] === 1)!)
      }
    }
    // Two joins at one version get the very same frame; a new version gets a new one.
    expect(fullStates[0]).toBe(fullStates[1])
    expect(fullStates[2]).toBe(fullStates[3])
    expect(fullStates[2]).not.toBe(fullStates[0])
  })

  it('[D3][D4] an update is stored before any peer receives it, and is echoed to its sender', async () => {
    const { join, storage } = setup()
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'both synced')
    const storedWhenReceived: string[] = []
    const originalSend = b.peer.send.bind(b.peer)
    b.peer.send = (frame) => {
      if (frame[0] === 0 && frame[1] === 2) {
        // What storage holds at the moment the peer receives the relay.
        void storage.load('doc').then((data) => {
          const doc = new Y.Doc()
          for (const u of data.updates) Y.applyUpdate(doc, u)
          storedWhenReceived.push(text(doc))
        })
      }
      originalSend(frame)
    }
    const framesBefore = a.peer.frames.length
    a.peer.doc.getText('t').insert(0, 'hello')
    await waitFor(() => text(b.peer.doc) === 'hello', 'relay to b')
    await waitFor(() => storedWhenReceived.length > 0, 'storage check')
    expect(storedWhenReceived[0]).toBe('hello')
    const echoes = a.peer.frames.slice(framesBefore).filter((f) => f[0] === 0 && f[1] === 2)
    expect(echoes.length).toBe(1)
  })

  it('[D3][D5] nothing is relayed and no sync step 2 is sent while the commit is in flight', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const { join } = setup(storage)
    const a = join()
    await waitFor(() => a.peer.synced, 'a synced')
    const release = storage.holdAppends()
    a.peer.doc.getText('t').insert(0, 'pending')
    const b = join()
    await sleep(50)
    // b is connected and asked for the document, but the only content is not stored yet.
    expect(b.peer.synced).toBe(false)
    expect(text(b.peer.doc)).toBe('')
    release()
    await waitFor(() => b.peer.synced, 'b synced after the commit')
    expect(text(b.peer.doc)).toBe('pending')
  })

  it('[D7] a failed commit is retried; nothing is relayed until it succeeds and nothing is lost', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const { join, stored, rooms } = setup(storage)
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    storage.failNextAppends = 3
    a.peer.doc.getText('t').insert(0, 'survives')
    await waitFor(() => storage.appendCalls >= 2, 'a failed attempt')
    expect(text(b.peer.doc)).toBe('')
    a.leave()
    b.leave()
    // Still loaded: the update is pending.
    expect(rooms.loadedRoom('doc')).toBeDefined()
    await waitFor(() => storage.failNextAppends === 0 && rooms.loadedRoom('doc') === undefined, 'retry and unload', 3_000)
    expect(text(await stored())).toBe('survives')
  })

  it('[D6] updates from one turn, for several documents, are committed in one transaction', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const { join } = setup(storage)
    const a = join('one')
    const b = join('two')
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    const callsBefore = storage.appendCalls
    a.peer.doc.getText('t').insert(0, 'x')
    a.peer.doc.getText('t').insert(1, 'y')
    b.peer.doc.getText('t').insert(0, 'z')
    await waitFor(() => text(b.peer.doc) === 'z' && a.peer.frames.filter((f) => f[1] === 2).length >= 2, 'echoes')
    expect(storage.appendCalls - callsBefore).toBe(1)
  })

  it('[D1] an update that does not decode is rejected whole and closes the sender with 4422', async () => {
    const { join, stored } = setup()
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'abc')
    doc.getText('t').insert(3, 'def')
    const update = Y.encodeStateAsUpdate(doc)
    const truncated = update.slice(0, update.length - 2)
    a.peer.sendToServer(new Uint8Array([0, 2, truncated.length, ...truncated]))
    await waitFor(() => a.peer.closeCode !== null, 'close')
    expect(a.peer.closeCode).toBe(CloseCode.InvalidUpdate.code)
    await sleep(20)
    expect(text(b.peer.doc)).toBe('')
    expect(text(await stored())).toBe('')
    expect(b.peer.isOpen).toBe(true)
  })

  it('[D10] an update built on content the server lacks is repaired by a resync, not kept pending', async () => {
    const { join, stored } = setup()
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    // b gets an edit by a third client that the server has never seen (as another tab's
    // change arrives over BroadcastChannel), without forwarding it.
    const other = new Y.Doc()
    other.getText('t').insert(0, 'from another tab ')
    Y.applyUpdate(b.peer.doc, Y.encodeStateAsUpdate(other), b.peer)
    const framesBefore = b.peer.frames.length
    // b's own edit depends on it; alone, it has a missing dependency.
    b.peer.doc.getText('t').insert(b.peer.doc.getText('t').length, 'and mine')
    await waitFor(() => text(a.peer.doc) === 'from another tab and mine', 'a receives both after the repair')
    // The server asked b for what it lacked (sync step 1), and b's answer brought both.
    expect(b.peer.frames.slice(framesBefore).some((f) => f[0] === 0 && f[1] === 0)).toBe(true)
    expect(b.peer.isOpen).toBe(true)
    expect(text(await stored())).toBe('from another tab and mine')
  })

  it('[D10] a sync step 2 that still lacks dependencies closes its sender with 4422; nothing is kept', async () => {
    const { join, stored, rooms } = setup()
    const a = join()
    await waitFor(() => a.peer.synced, 'synced')
    a.peer.doc.getText('t').insert(0, 'ok')
    const phantom = new Y.Doc()
    phantom.getText('t').insert(0, 'z')
    const forger = new Y.Doc()
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(phantom))
    const before = Y.encodeStateVector(forger)
    forger.getText('t').insert(1, 'dangling')
    const dangling = Y.encodeStateAsUpdate(forger, before)
    const m = join()
    await waitFor(() => m.peer.synced, 'm synced')
    m.peer.sendToServer(new Uint8Array([0, 1, ...encodeLength(dangling.length), ...dangling]))
    expect(m.peer.closeCode).toBe(CloseCode.InvalidUpdate.code)
    await sleep(20)
    expect(a.peer.isOpen).toBe(true)
    expect(text(await stored())).toBe('ok')
    const newcomer = new Y.Doc()
    Y.applyUpdate(newcomer, Y.encodeStateAsUpdate(rooms.loadedRoom('doc')!.doc))
    expect(text(newcomer)).toBe('ok')
  })

  it('[D8] an empty update is neither stored nor relayed', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const { join } = setup(storage)
    const a = join()
    await waitFor(() => a.peer.synced, 'synced')
    await sleep(20)
    const before = storage.appendCalls
    a.peer.sendToServer(new Uint8Array([0, 2, 2, 0, 0]))
    await sleep(20)
    expect(storage.appendCalls).toBe(before)
    expect(a.peer.isOpen).toBe(true)
  })

  it('[D9] a read-only connection syncs but its updates are refused with permission denied', async () => {
    const { join, stored } = setup()
    const writer = join()
    const reader = join('doc', false)
    await waitFor(() => writer.peer.synced && reader.peer.synced, 'synced')
    writer.peer.doc.getText('t').insert(0, 'from writer')
    await waitFor(() => text(reader.peer.doc) === 'from writer', 'reader sees edits')
    reader.peer.doc.getText('t').insert(0, 'X')
    await waitFor(() => reader.peer.permissionDenied !== null, 'permission denied')
    await sleep(20)
    expect(text(writer.peer.doc)).toBe('from writer')
    expect(text(await stored())).toBe('from writer')
  })
})

describe('room: lifecycle', () => {
  it('[L1][L2] connections during a load share it, and nobody is answered before it completes', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'on disk')
    await storage.inner.append([{ docId: 'doc', update: Y.encodeStateAsUpdate(seed) }], 1)
    const release = storage.holdLoads()
    const { join } = setup(storage)
    const a = join()
    const b = join()
    await sleep(30)
    expect(a.peer.frames.length).toBe(0)
    expect(b.peer.frames.length).toBe(0)
    release()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced after load')
    expect(storage.loads).toBe(1)
    expect(text(a.peer.doc)).toBe('on disk')
    expect(text(b.peer.doc)).toBe('on disk')
  })

  it('[L2] a client that floods messages while its document loads is closed with 4429', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const release = storage.holdLoads()
    const { join } = setup(storage, { maxBacklog: 5 })
    const a = join()
    for (let i = 0; i < 10; i++) a.peer.sendToServer(new Uint8Array([3]))
    expect(a.peer.closeCode).toBe(CloseCode.RateLimited.code)
    release()
  })

  it('[L3] a room unloads when its last connection leaves, and reloads from storage', async () => {
    const { join, rooms } = setup()
    const a = join()
    await waitFor(() => a.peer.synced, 'synced')
    a.peer.doc.getText('t').insert(0, 'kept')
    await waitFor(() => a.peer.frames.some((f) => f[0] === 0 && f[1] === 2), 'echo')
    expect(rooms.loadedRoom('doc')).toBeDefined()
    a.leave()
    expect(rooms.loadedRoom('doc')).toBeUndefined()
    const b = join()
    await waitFor(() => b.peer.synced, 'b synced')
    expect(text(b.peer.doc)).toBe('kept')
  })

  it('[L4] the log is compacted into a snapshot in the background, and loading reads snapshot + tail', async () => {
    const { join, storage, stored, compactor } = setup(new MemoryStorage(), { compactAfterUpdates: 10 })
    const a = join()
    await waitFor(() => a.peer.synced, 'synced')
    for (let i = 0; i < 25; i++) {
      a.peer.doc.getText('t').insert(i, String(i % 10))
      await sleep(1)
    }
    await waitFor(async () => (await storage.load('doc')).snapshot !== null, 'a snapshot')
    await waitFor(() => !compactor.isQueued('doc'), 'compaction idle')
    const data = await storage.load('doc')
    expect(data.updates.length).toBeLessThan(25)
    expect(text(await stored())).toBe(text(a.peer.doc))
  })

  it('[L5] deleting a document closes its connections with 4404 and removes its data', async () => {
    const { join, rooms, storage } = setup()
    const a = join()
    await waitFor(() => a.peer.synced, 'synced')
    a.peer.doc.getText('t').insert(0, 'to be deleted')
    expect(await rooms.deleteDocument('doc')).toBe(true)
    expect(a.peer.closeCode).toBe(CloseCode.DocumentDeleted.code)
    expect(await storage.getDocument('doc')).toBeNull()
    const data = await storage.load('doc')
    expect(data.updates.length).toBe(0)
    expect(data.snapshot).toBeNull()
    const b = join()
    await waitFor(() => b.peer.synced, 'new client synced')
    expect(text(b.peer.doc)).toBe('')
  })
})

describe('room: presence', () => {
  it('[A1][A3] awareness is relayed to others and a newcomer receives every live state', async () => {
    const { join } = setup()
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    a.peer.setPresence({ user: { name: 'Ada' } })
    await waitFor(() => b.peer.peerNames().includes('Ada'), 'b sees Ada')
    b.peer.setPresence({ user: { name: 'Bo' } })
    const c = join()
    await waitFor(() => c.peer.peerNames().join() === 'Ada,Bo', 'c sees both')
  })

  it('[A2] when a connection closes its states are removed and the removal is broadcast at once', async () => {
    const { join } = setup()
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    a.peer.setPresence({ user: { name: 'Ada' } })
    await waitFor(() => b.peer.peerNames().includes('Ada'), 'b sees Ada')
    a.leave()
    // Synchronous: the removal is sent in the same turn as the close.
    expect(b.peer.peerNames()).toEqual([])
  })

  it('[P4] query awareness is answered with every live state', async () => {
    const { join } = setup()
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    a.peer.setPresence({ user: { name: 'Ada' } })
    await waitFor(() => b.peer.peerNames().includes('Ada'), 'b sees Ada')
    const before = b.peer.frames.length
    b.peer.sendToServer(new Uint8Array([3]))
    const reply = b.peer.frames.slice(before)
    expect(reply.length).toBe(1)
    expect(reply[0]?.[0]).toBe(1)
  })

  it('[P6][A1] a malformed awareness update closes its sender with 4400 and applies none of it', async () => {
    const { join } = setup()
    const a = join()
    const b = join()
    await waitFor(() => a.peer.synced && b.peer.synced, 'synced')
    // Two entries: the first valid, the second not JSON. Neither may be applied.
    const good = new TextEncoder().encode('{"user":{"name":"Eve"}}')
    const bad = new TextEncoder().encode('{nope')
    const body = [2, 7, 1, good.length, ...good, 8, 1, bad.length, ...bad]
    a.peer.sendToServer(new Uint8Array([1, body.length, ...body]))
    expect(a.peer.closeCode).toBe(CloseCode.MalformedMessage.code)
    expect(b.peer.peerNames()).toEqual([])
  })
})

describe('room: presence in large rooms', () => {
  it('[A1] with many members, presence changes are batched: one message per member per window, every change delivered', async () => {
    const { join } = setup()
    const members = Array.from({ length: 20 }, () => join())
    await waitFor(() => members.every((m) => m.peer.synced), 'all synced')
    const counts = members.map((m) => m.peer.frames.length)
    for (const [i, m] of members.entries()) m.peer.setPresence({ user: { name: `user-${i}` } })
    const everyoneSeesEveryone = () => members.every((m) => m.peer.peerNames().length === 19)
    await waitFor(everyoneSeesEveryone, 'everyone sees everyone', 2_000)
    // 20 changes reached 20 members in a few messages each, not 19 messages each.
    const received = members.map((m, i) => m.peer.frames.slice(counts[i]).filter((f) => f[0] === 1).length)
    expect(Math.max(...received)).toBeLessThanOrEqual(3)
  })
})
