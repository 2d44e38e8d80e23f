import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, MAX_TITLE_LENGTH, TITLE_FIELD } from '../../lib/protocol'
import type { Identity } from '../../server/auth/claims'
import { tandemRoomPolicy } from '../../server/documents/room-policy'
import { FAST_PATH_MIN_BYTES, FAST_PATH_WAIT_MS } from '../../server/rooms/cold-load'
import { LARGE_ROOM, PRESENCE_BATCH_MS } from '../../server/rooms/presence-relay'
import { MemoryStorage } from '../../server/storage/memory'
import { DocumentDeletedError, type PendingUpdate } from '../../server/storage/storage'
import { awarenessEntries } from '../helpers/frames'
import { GatedStorage } from '../helpers/gated-storage'
import { settle } from '../helpers/manual-scheduler'
import { RoomHarness, type RoomHarnessOptions } from '../helpers/room-harness'
import { SocketPair } from '../helpers/socket-pair'

/**
 * The room, the room manager and the commit queue with in-memory socket pairs: real Yjs and
 * y-protocols on the client side, real storage (memory) on the other, and a manual scheduler
 * in between. No network and no real timers: every step below — a frame delivered, a group
 * commit run, the clock moved — happens because the test says so, so "nothing happened" is
 * checked after everything that could run has run, not after a sleep.
 */

let harnesses: RoomHarness[] = []
afterEach(async () => {
  for (const harness of harnesses) await harness.dispose()
  harnesses = []
})

function setup(options: RoomHarnessOptions = {}): RoomHarness {
  const harness = new RoomHarness(options)
  harnesses.push(harness)
  return harness
}

const text = (doc: Y.Doc) => doc.getText('t').toString()
const isSyncStep1 = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 0
const isSyncStep2 = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 1
const isUpdate = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 2
const isAwareness = (frame: Uint8Array) => frame[0] === 1

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

async function storeText(storage: MemoryStorage, content: string, docId = 'doc'): Promise<Y.Doc> {
  const seed = new Y.Doc()
  seed.getText('t').insert(0, content)
  await storage.append([{ docId, update: Y.encodeStateAsUpdate(seed) }], 1)
  return seed
}

function identity(userId: string, name: string): Identity {
  return { userId, name, role: 'editor', docs: ['*'], issuedAt: 0, expiresAt: Number.MAX_SAFE_INTEGER }
}

/** Memory storage that remembers the title each stored update carried. */
class TitleRecordingStorage extends MemoryStorage {
  readonly titles: Array<string | undefined> = []
  override append(batch: readonly PendingUpdate[], now: number): Promise<void> {
    for (const entry of batch) this.titles.push(entry.title)
    return super.append(batch, now)
  }
}

describe('room: sync', () => {
  it('[P2][P3] a joining client gets the server state vector and, for its step 1, the stored content', async () => {
    const storage = new MemoryStorage()
    await storeText(storage, 'stored before')
    const h = setup({ storage })
    const { peer } = h.join()
    await h.flush()
    expect(peer.synced).toBe(true)
    expect(peer.frames.some(isSyncStep1)).toBe(true)
    expect(text(peer.doc)).toBe('stored before')
  })

  it('[L6][P3][L2][D5] cold load: a new client is answered from the stored bytes, then joins the loaded room', async () => {
    const storage = new MemoryStorage()
    const seed = await storeText(storage, 'snapshot ')
    await storage.compact('doc', (snapshot, updates) => Y.mergeUpdates([...(snapshot ? [snapshot] : []), ...updates]))
    const before = Y.encodeStateVector(seed)
    seed.getText('t').insert(9, 'and tail')
    await storage.append([{ docId: 'doc', update: Y.encodeStateAsUpdate(seed, before) }], 2)
    const h = setup({ storage })
    const { peer } = h.join()
    const roomExistedWhenAnswered: boolean[] = []
    const send = peer.send.bind(peer)
    peer.send = (frame) => {
      if (isSyncStep2(frame)) roomExistedWhenAnswered.push(h.rooms.loadedRoom('doc') !== undefined)
      send(frame)
    }
    // The client's sync step 1 arrives while the document loads.
    peer.deliverToServer()
    await h.flush()
    // The first frame is the answer (step 2) built from snapshot + tail, before the room existed.
    expect(peer.frames[0]?.slice(0, 2)).toEqual(new Uint8Array([0, 1]))
    expect(roomExistedWhenAnswered).toEqual([false])
    expect(text(peer.doc)).toBe('snapshot and tail')
    // Then it joined normally: it got the server's state vector and its edits are stored.
    expect(peer.frames.some(isSyncStep1)).toBe(true)
    peer.doc.getText('t').insert(0, '> ')
    await h.flush()
    expect(peer.frames.some(isUpdate)).toBe(true)
    expect(text(await h.stored())).toBe('> snapshot and tail')
  })

  it('[P3] every fresh client gets the current content, though the full state is encoded once per version', async () => {
    const h = setup()
    const a = h.join()
    await h.flush()
    expect(a.peer.synced).toBe(true)
    const fullStates: Uint8Array[] = []
    for (const expected of ['x', 'xy']) {
      a.peer.doc.getText('t').insert(a.peer.doc.getText('t').length, expected.at(-1)!)
      await h.flush()
      expect(a.peer.frames.filter(isUpdate).length).toBe(expected.length)
      const fresh = [h.join(), h.join()]
      await h.flush()
      for (const c of fresh) {
        expect(c.peer.synced).toBe(true)
        expect(text(c.peer.doc)).toBe(expected)
        fullStates.push(c.peer.frames.find(isSyncStep2)!)
      }
    }
    // Two joins at one version get the very same frame; a new version gets a new one.
    expect(fullStates[0]).toBe(fullStates[1])
    expect(fullStates[2]).toBe(fullStates[3])
    expect(fullStates[2]).not.toBe(fullStates[0])
  })

  it('[D3][D4] an update is stored before any peer receives it, and is echoed to its sender', async () => {
    const h = setup()
    const a = h.join()
    const b = h.join()
    await h.flush()
    expect(a.peer.synced && b.peer.synced).toBe(true)
    const storedWhenSent: string[] = []
    const send = b.peer.send.bind(b.peer)
    b.peer.send = (frame) => {
      if (isUpdate(frame)) {
        // What storage holds at the moment the server relays to b (MemoryStorage.load copies synchronously).
        void h.storage.load('doc').then((data) => {
          const doc = new Y.Doc()
          for (const u of data.updates) Y.applyUpdate(doc, u)
          storedWhenSent.push(text(doc))
        })
      }
      send(frame)
    }
    const framesBefore = a.peer.frames.length
    a.peer.doc.getText('t').insert(0, 'hello')
    await h.flush()
    expect(text(b.peer.doc)).toBe('hello')
    expect(storedWhenSent).toEqual(['hello'])
    const echoes = a.peer.frames.slice(framesBefore).filter(isUpdate)
    expect(echoes.length).toBe(1)
  })

  it('[D3][D5] nothing is relayed and no sync step 2 is sent while the commit is in flight', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage })
    const a = h.join()
    await h.flush()
    expect(a.peer.synced).toBe(true)
    const release = storage.holdAppends()
    const appendsBefore = storage.appendCalls
    const framesBefore = a.peer.frames.length
    a.peer.doc.getText('t').insert(0, 'pending')
    const b = h.join()
    await h.flush()
    // Everything ran: the commit is in storage's hands, and b's request reached the server…
    expect(storage.appendCalls).toBe(appendsBefore + 1)
    expect(b.peer.toServer).toEqual([])
    expect(b.peer.frames.some(isSyncStep1)).toBe(true)
    // …but the only content is not stored yet, so b gets no answer and a no echo.
    expect(b.peer.synced).toBe(false)
    expect(text(b.peer.doc)).toBe('')
    expect(a.peer.frames.slice(framesBefore).some(isUpdate)).toBe(false)
    release()
    await h.flush()
    expect(b.peer.synced).toBe(true)
    expect(text(b.peer.doc)).toBe('pending')
    expect(a.peer.frames.slice(framesBefore).filter(isUpdate).length).toBe(1)
  })

  it('[D7] a failed commit is retried with a doubling delay; nothing is relayed until it succeeds and nothing is lost', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage, retryDelayMs: 5 })
    const a = h.join()
    const b = h.join()
    await h.flush()
    expect(a.peer.synced && b.peer.synced).toBe(true)
    const calls = () => storage.appendCalls - before
    const before = storage.appendCalls
    storage.failNextAppends = 3
    a.peer.doc.getText('t').insert(0, 'survives')
    await h.flush()
    expect(calls()).toBe(1)
    await h.advance(4)
    expect(calls()).toBe(1)
    await h.advance(1)
    expect(calls()).toBe(2)
    expect(text(b.peer.doc)).toBe('')
    a.leave()
    b.leave()
    // Still loaded: the update is pending.
    expect(h.rooms.loadedRoom('doc')).toBeDefined()
    await h.advance(10)
    expect(calls()).toBe(3)
    expect(h.rooms.loadedRoom('doc')).toBeDefined()
    await h.advance(19)
    expect(calls()).toBe(3)
    await h.advance(1)
    expect(calls()).toBe(4)
    expect(storage.failNextAppends).toBe(0)
    expect(h.rooms.loadedRoom('doc')).toBeUndefined()
    expect(text(await h.stored())).toBe('survives')
  })

  it('[D6] updates from one turn, for several documents, are committed in one transaction', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage })
    const a = h.join('one')
    const b = h.join('two')
    await h.flush()
    expect(a.peer.synced && b.peer.synced).toBe(true)
    const callsBefore = storage.appendCalls
    a.peer.doc.getText('t').insert(0, 'x')
    a.peer.doc.getText('t').insert(1, 'y')
    b.peer.doc.getText('t').insert(0, 'z')
    // All three arrive before the turn ends (no deferred task runs in between).
    a.peer.flush()
    b.peer.flush()
    expect(h.scheduler.deferredTasks).toBe(1)
    await h.flush()
    expect(storage.appendCalls - callsBefore).toBe(1)
    expect(text(b.peer.doc)).toBe('z')
    expect(a.peer.frames.filter(isUpdate).length).toBe(2)
    expect(text(await h.stored('one'))).toBe('xy')
  })

  it('[D1] an update that does not decode is rejected whole and closes the sender with 4422', async () => {
    const h = setup()
    const a = h.join()
    const b = h.join()
    await h.flush()
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'abc')
    doc.getText('t').insert(3, 'def')
    const update = Y.encodeStateAsUpdate(doc)
    const truncated = update.slice(0, update.length - 2)
    const bFrames = b.peer.frames.length
    a.peer.sendToServer(new Uint8Array([0, 2, truncated.length, ...truncated]))
    await h.flush()
    expect(a.peer.closeCode).toBe(CloseCode.InvalidUpdate.code)
    expect(text(b.peer.doc)).toBe('')
    expect(b.peer.frames.slice(bFrames)).toEqual([])
    expect(text(await h.stored())).toBe('')
    expect(b.peer.isOpen).toBe(true)
  })

  it('[D10] an update built on content the server lacks is repaired by a resync, not kept pending', async () => {
    const h = setup()
    const a = h.join()
    const b = h.join()
    await h.flush()
    // b gets an edit by a third client that the server has never seen (as another tab's
    // change arrives over BroadcastChannel), without forwarding it.
    const other = new Y.Doc()
    other.getText('t').insert(0, 'from another tab ')
    Y.applyUpdate(b.peer.doc, Y.encodeStateAsUpdate(other), b.peer)
    const framesBefore = b.peer.frames.length
    // b's own edit depends on it; alone, it has a missing dependency.
    b.peer.doc.getText('t').insert(b.peer.doc.getText('t').length, 'and mine')
    await h.flush()
    expect(text(a.peer.doc)).toBe('from another tab and mine')
    // The server asked b for what it lacked (sync step 1), and b's answer brought both.
    expect(b.peer.frames.slice(framesBefore).some(isSyncStep1)).toBe(true)
    expect(b.peer.isOpen).toBe(true)
    expect(text(await h.stored())).toBe('from another tab and mine')
  })

  it('[D10] a sync step 2 that still lacks dependencies closes its sender with 4422; nothing is kept', async () => {
    const h = setup()
    const a = h.join()
    await h.flush()
    a.peer.doc.getText('t').insert(0, 'ok')
    const phantom = new Y.Doc()
    phantom.getText('t').insert(0, 'z')
    const forger = new Y.Doc()
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(phantom))
    const before = Y.encodeStateVector(forger)
    forger.getText('t').insert(1, 'dangling')
    const dangling = Y.encodeStateAsUpdate(forger, before)
    const m = h.join()
    await h.flush()
    expect(m.peer.synced).toBe(true)
    m.peer.sendToServer(new Uint8Array([0, 1, ...encodeLength(dangling.length), ...dangling]))
    m.peer.deliverToServer()
    expect(m.peer.closeCode).toBe(CloseCode.InvalidUpdate.code)
    await h.flush()
    expect(a.peer.isOpen).toBe(true)
    expect(text(await h.stored())).toBe('ok')
    const newcomer = new Y.Doc()
    Y.applyUpdate(newcomer, Y.encodeStateAsUpdate(h.rooms.loadedRoom('doc')!.doc))
    expect(text(newcomer)).toBe('ok')
  })

  it('[D8] an empty update is neither stored nor relayed', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage })
    const a = h.join()
    const b = h.join()
    await h.flush()
    expect(a.peer.synced).toBe(true)
    const before = storage.appendCalls
    const framesBefore = [a.peer.frames.length, b.peer.frames.length]
    a.peer.sendToServer(new Uint8Array([0, 2, 2, 0, 0]))
    await h.flush()
    expect(a.peer.toServer).toEqual([])
    expect(storage.appendCalls).toBe(before)
    expect([a.peer.frames.length, b.peer.frames.length]).toEqual(framesBefore)
    expect(a.peer.isOpen).toBe(true)
  })

  it('[D9] a read-only connection syncs but its updates are refused with permission denied', async () => {
    const h = setup()
    const writer = h.join()
    const reader = h.join('doc', { canWrite: false })
    await h.flush()
    expect(writer.peer.synced && reader.peer.synced).toBe(true)
    writer.peer.doc.getText('t').insert(0, 'from writer')
    await h.flush()
    expect(text(reader.peer.doc)).toBe('from writer')
    reader.peer.doc.getText('t').insert(0, 'X')
    await h.flush()
    expect(reader.peer.permissionDenied).not.toBeNull()
    expect(text(writer.peer.doc)).toBe('from writer')
    expect(text(await h.stored())).toBe('from writer')
  })
})

describe('room: lifecycle', () => {
  it('[L1][L2] connections during a load share it, and nobody is answered before it completes', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const seed = new Y.Doc()
    seed.getText('t').insert(0, 'on disk')
    await storage.inner.append([{ docId: 'doc', update: Y.encodeStateAsUpdate(seed) }], 1)
    const release = storage.holdLoads()
    const h = setup({ storage })
    const a = h.join()
    const b = h.join()
    await h.flush()
    // Their sync requests arrived (they wait in the backlog), and nobody was answered.
    expect(a.peer.toServer).toEqual([])
    expect(b.peer.toServer).toEqual([])
    expect(a.peer.frames.length).toBe(0)
    expect(b.peer.frames.length).toBe(0)
    release()
    await h.flush()
    expect(a.peer.synced && b.peer.synced).toBe(true)
    expect(storage.loads).toBe(1)
    expect(text(a.peer.doc)).toBe('on disk')
    expect(text(b.peer.doc)).toBe('on disk')
  })

  it('[L2] a client that floods messages while its document loads is closed with 4429', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const release = storage.holdLoads()
    const h = setup({ storage, maxBacklog: 5 })
    const a = h.join()
    for (let i = 0; i < 10; i++) a.peer.sendToServer(new Uint8Array([3]))
    a.peer.flush()
    expect(a.peer.closeCode).toBe(CloseCode.RateLimited.code)
    expect(h.limitHits).toEqual(['backlog'])
    release()
    await h.flush()
  })

  it('[L6] a large document waits for its connecting clients’ sync requests — no longer than it must — and answers them from storage', async () => {
    const storage = new MemoryStorage()
    await storeText(storage, 'x'.repeat(FAST_PATH_MIN_BYTES))
    const h = setup({ storage })
    const a = h.join()
    const b = h.join()
    // The load reads the stored bytes, then waits (one timer) for a and b to speak.
    await settle()
    expect(h.scheduler.pendingTimers).toBe(1)
    a.peer.deliverToServer()
    await settle()
    expect(a.peer.toClient).toEqual([])
    expect(h.rooms.loadedRoom('doc')).toBeUndefined()
    // The last silent client speaks: both are answered at once, from storage, with no time passing.
    b.peer.deliverToServer()
    await settle()
    expect(h.scheduler.pendingTimers).toBe(0)
    expect(h.rooms.loadedRoom('doc')).toBeUndefined()
    for (const { peer } of [a, b]) expect(peer.toClient.map(isSyncStep2)).toEqual([true])
    await h.flush()
    expect(h.scheduler.now()).toBe(0)
    for (const { peer } of [a, b]) {
      expect(peer.synced).toBe(true)
      expect(text(peer.doc).length).toBe(FAST_PATH_MIN_BYTES)
    }
    expect(h.rooms.loadedRoom('doc')).toBeDefined()
  })

  it(`[L6] a large document's load waits at most ${FAST_PATH_WAIT_MS} ms for a client that stays silent`, async () => {
    const storage = new MemoryStorage()
    await storeText(storage, 'y'.repeat(FAST_PATH_MIN_BYTES))
    const h = setup({ storage })
    const talker = h.join()
    const silent = new SocketPair()
    h.connect(silent, 'doc')
    talker.peer.deliverToServer()
    await h.advance(FAST_PATH_WAIT_MS - 1)
    expect(talker.peer.frames).toEqual([])
    expect(h.rooms.loadedRoom('doc')).toBeUndefined()
    await h.advance(1)
    // The talker was answered from storage; the silent one joined and got the usual handshake.
    expect(isSyncStep2(talker.peer.frames[0]!)).toBe(true)
    expect(talker.peer.synced).toBe(true)
    expect(h.rooms.loadedRoom('doc')).toBeDefined()
    expect(isSyncStep1(silent.frames[0]!)).toBe(true)
    expect(silent.isOpen).toBe(true)
  })

  it('[L3] a room unloads when its last connection leaves, and reloads from storage', async () => {
    const h = setup()
    const a = h.join()
    await h.flush()
    a.peer.doc.getText('t').insert(0, 'kept')
    await h.flush()
    expect(a.peer.frames.some(isUpdate)).toBe(true)
    expect(h.rooms.loadedRoom('doc')).toBeDefined()
    a.leave()
    expect(h.rooms.loadedRoom('doc')).toBeUndefined()
    const b = h.join()
    await h.flush()
    expect(b.peer.synced).toBe(true)
    expect(text(b.peer.doc)).toBe('kept')
  })

  it('[L4] the log is compacted into a snapshot in the background, and loading reads snapshot + tail', async () => {
    const h = setup({ compactAfterUpdates: 10 })
    const a = h.join()
    await h.flush()
    for (let i = 0; i < 25; i++) {
      a.peer.doc.getText('t').insert(i, String(i % 10))
      await h.flush()
    }
    expect(h.compactor.isQueued('doc')).toBe(false)
    const data = await h.storage.load('doc')
    // Compacted after the 10th and the 20th update; the last five are the tail.
    expect(data.snapshot).not.toBeNull()
    expect(data.updates.length).toBe(5)
    expect(text(await h.stored())).toBe(text(a.peer.doc))
    a.leave()
    const b = h.join()
    await h.flush()
    expect(text(b.peer.doc)).toBe(text(a.peer.doc))
  })

  it('[L5] deleting a document closes its connections with 4404, stores what was pending and then removes its data', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage })
    const a = h.join()
    await h.flush()
    a.peer.doc.getText('t').insert(0, 'to be deleted')
    a.peer.deliverToServer()
    expect(h.rooms.loadedRoom('doc')!.pending).toBe(1)
    const appendsBefore = storage.appendCalls
    expect(await h.complete(h.rooms.deleteDocument('doc'))).toBe(true)
    expect(storage.appendCalls).toBe(appendsBefore + 1)
    expect(a.peer.closeCode).toBe(CloseCode.DocumentDeleted.code)
    expect(await storage.getDocument('doc')).toBeNull()
    const data = await storage.load('doc')
    expect(data.updates.length).toBe(0)
    expect(data.snapshot).toBeNull()
    // The deletion is remembered (L7): a later client is turned away, not given an empty document.
    const b = h.join()
    await h.flush()
    expect(b.peer.closeCode).toBe(CloseCode.DocumentDeleted.code)
    expect(b.peer.synced).toBe(false)
  })

  it('[L7] a client of a deleted document is closed with 4404 before anything it sent is stored, and no room is left', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage })
    const a = h.join()
    await h.flush()
    a.peer.doc.getText('t').insert(0, 'before')
    await h.flush()
    expect(await h.complete(h.rooms.deleteDocument('doc'))).toBe(true)
    // A client with an offline copy: it sends its sync step 1 and its whole state right away.
    const offline = h.join()
    offline.peer.doc.getText('t').insert(0, 'resurrect me')
    const appendsBefore = storage.appendCalls
    await h.flush()
    expect(offline.peer.closeCode).toBe(CloseCode.DocumentDeleted.code)
    expect(storage.appendCalls).toBe(appendsBefore)
    expect(await storage.getDocument('doc')).toBeNull()
    expect(await storage.load('doc')).toEqual({ snapshot: null, updates: [] })
    expect(h.rooms.loadedRoom('doc')).toBeUndefined()
    expect(h.rooms.loadedRooms).toBe(0)
    await expect(h.complete(h.rooms.withRoom('doc', () => 'loaded'))).rejects.toBeInstanceOf(DocumentDeletedError)
    // Re-created explicitly, the document loads again, empty.
    await storage.ensureDocument('doc', 1, { recreate: true })
    const again = h.join()
    await h.flush()
    expect(again.peer.synced).toBe(true)
    expect(text(again.peer.doc)).toBe('')
  })

  it('[L5][L7] a client that connects while the deletion runs waits for it, then is closed with 4404', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage })
    const a = h.join()
    await h.flush()
    a.peer.doc.getText('t').insert(0, 'pending')
    a.peer.deliverToServer()
    const release = storage.holdAppends()
    const deleting = h.rooms.deleteDocument('doc')
    await h.flush()
    // The pending update is being committed; the deletion waits for it.
    const late = h.join()
    late.peer.doc.getText('t').insert(0, 'late')
    await h.flush()
    expect(late.peer.closeCode).toBeNull()
    release()
    expect(await h.complete(deleting)).toBe(true)
    expect(late.peer.closeCode).toBe(CloseCode.DocumentDeleted.code)
    expect(await storage.load('doc')).toEqual({ snapshot: null, updates: [] })
    expect(await storage.isDeleted('doc')).toBe(true)
    expect(h.rooms.loadedRooms).toBe(0)
  })
})

describe('room: presence', () => {
  it('[A1][A3] awareness is relayed to others and a newcomer receives every live state', async () => {
    const h = setup()
    const a = h.join()
    const b = h.join()
    await h.flush()
    a.peer.setPresence({ user: { name: 'Ada' } })
    await h.flush()
    expect(b.peer.peerNames()).toEqual(['Ada'])
    b.peer.setPresence({ user: { name: 'Bo' } })
    const c = h.join()
    await h.flush()
    expect(c.peer.peerNames()).toEqual(['Ada', 'Bo'])
  })

  it('[A2] when a connection closes its states are removed and the removal is broadcast at once', async () => {
    const h = setup()
    const a = h.join()
    const b = h.join()
    await h.flush()
    a.peer.setPresence({ user: { name: 'Ada' } })
    await h.flush()
    expect(b.peer.peerNames()).toEqual(['Ada'])
    a.leave()
    // In the same turn as the close: the removal is already on its way, no task or timer involved.
    expect(b.peer.toClient.filter(isAwareness).length).toBe(1)
    b.peer.flush()
    expect(b.peer.peerNames()).toEqual([])
  })

  it('[P4] query awareness is answered with every live state', async () => {
    const h = setup()
    const a = h.join()
    const b = h.join()
    await h.flush()
    a.peer.setPresence({ user: { name: 'Ada' } })
    await h.flush()
    expect(b.peer.peerNames()).toEqual(['Ada'])
    const before = b.peer.frames.length
    b.peer.sendToServer(new Uint8Array([3]))
    b.peer.flush()
    const reply = b.peer.frames.slice(before)
    expect(reply.length).toBe(1)
    expect(reply[0]?.[0]).toBe(1)
  })

  it('[P6][A1] a malformed awareness update closes its sender with 4400 and applies none of it', async () => {
    const h = setup()
    const a = h.join()
    const b = h.join()
    await h.flush()
    // Two entries: the first valid, the second not JSON. Neither may be applied.
    const good = new TextEncoder().encode('{"user":{"name":"Eve"}}')
    const bad = new TextEncoder().encode('{nope')
    const body = [2, 7, 1, good.length, ...good, 8, 1, bad.length, ...bad]
    a.peer.sendToServer(new Uint8Array([1, body.length, ...body]))
    a.peer.deliverToServer()
    expect(a.peer.closeCode).toBe(CloseCode.MalformedMessage.code)
    await h.flush()
    expect(b.peer.peerNames()).toEqual([])
    expect([...h.rooms.loadedRoom('doc')!.presence.states().keys()]).toEqual([])
  })

  it('[B3] presence beyond the per-connection rate is coalesced: the latest state goes out when the budget allows', async () => {
    const h = setup({ presenceLimits: { maxAwarenessPerSecond: 10, maxAwarenessStateBytes: 8192 } })
    const a = h.join()
    const b = h.join()
    await h.flush()
    const received = () => b.peer.frames.filter(isAwareness).length
    for (let n = 0; n < 15; n++) a.peer.setPresence({ user: { name: 'Ada' }, n })
    await h.flush()
    // The burst (10) went out at once; the rest wait, and only their latest state will go.
    expect(received()).toBe(10)
    expect(b.peer.awareness.getStates().get(a.peer.doc.clientID)).toMatchObject({ n: 9 })
    expect(h.limitHits).toEqual(['awareness_per_second'])
    // The 11th update put the bucket one token (100 ms at 10/s) in debt.
    await h.advance(99)
    expect(received()).toBe(10)
    await h.advance(1)
    expect(received()).toBe(11)
    expect(b.peer.awareness.getStates().get(a.peer.doc.clientID)).toMatchObject({ n: 14 })
  })

  it('[B3][A1] the presence budget is per sender: another member is relayed at once while the sender is throttled; after the latest state nothing follows; after a quiet second each update within the rate goes out at once', async () => {
    const RATE = 5
    const h = setup({ presenceLimits: { maxAwarenessPerSecond: RATE, maxAwarenessStateBytes: 8192 } })
    const a = h.join()
    const b = h.join()
    await h.flush()
    /** The `n` of each presence state of `a` relayed to b, in order (one entry per relayed frame here). */
    const relayedFromA = () =>
      b.peer.frames
        .filter(isAwareness)
        .flatMap(awarenessEntries)
        .filter((entry) => entry.clientId === a.peer.doc.clientID)
        .map((entry) => (JSON.parse(entry.json) as { n: number }).n)
    for (let n = 1; n <= 100; n++) a.peer.setPresence({ n })
    await h.flush()
    // The burst at once; the sixth update put a's bucket one token (200 ms at 5/s) in debt.
    expect(relayedFromA()).toEqual([1, 2, 3, 4, 5])
    // b's budget is its own: its state reaches a with the clock standing still.
    b.peer.setPresence({ user: { name: 'Bo' } })
    await h.flush()
    expect(a.peer.peerNames()).toEqual(['Bo'])
    // The latest of a's coalesced states goes out once its budget allows, and nothing after it,
    // however long the clock runs.
    await h.advance(200)
    expect(relayedFromA()).toEqual([1, 2, 3, 4, 5, 100])
    await h.advance(10_000)
    expect(relayedFromA()).toEqual([1, 2, 3, 4, 5, 100])
    expect(h.limitHits).toEqual(['awareness_per_second'])
    // Recovery: the bucket has refilled; RATE updates each go out at once, none coalesced.
    for (let n = 1000; n < 1000 + RATE; n++) a.peer.setPresence({ n })
    await h.flush()
    expect(relayedFromA().slice(6)).toEqual([1000, 1001, 1002, 1003, 1004])
    expect(h.limitHits).toEqual(['awareness_per_second'])
  })

  it('[B3] a presence state over the size limit closes its sender with 4429 and is not kept', async () => {
    const h = setup({ presenceLimits: { maxAwarenessPerSecond: 10, maxAwarenessStateBytes: 64 } })
    const a = h.join()
    const b = h.join()
    await h.flush()
    a.peer.setPresence({ user: { name: 'A'.repeat(64) } })
    await h.flush()
    expect(a.peer.closeCode).toBe(CloseCode.RateLimited.code)
    expect(h.limitHits).toEqual(['awareness_state_size'])
    expect(b.peer.peerNames()).toEqual([])
  })
})

describe('room: loaded-documents limit', () => {
  it('[B4] at the limit the least recently active document (by the room clock) is unloaded, its clients closed with 1013; one with pending writes never is; if all have some, the new load is refused with 1013', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const h = setup({ storage, maxLoadedDocuments: 2 })
    const tryAgainLater = CloseCode.TryAgainLater.code
    const a = h.join('a')
    await h.flush()
    await h.advance(10)
    const b = h.join('b')
    await h.flush()
    await h.advance(10)
    // a speaks again: b, loaded later, is now the least recently active.
    a.peer.setPresence({ user: { name: 'Ada' } })
    await h.flush()
    const c = h.join('c')
    await h.flush()
    expect([a.peer.closeCode, b.peer.closeCode, c.peer.closeCode]).toEqual([null, tryAgainLater, null])
    expect(h.rooms.loadedRoom('b')).toBeUndefined()
    expect(c.peer.synced).toBe(true)
    expect(h.rooms.loadedRooms).toBe(2)
    expect(h.limitHits).toEqual(['loaded_documents'])

    // a writes while storage holds its commit: the least recently active, but pending, so c goes.
    const release = storage.holdAppends()
    await h.advance(10)
    a.peer.doc.getText('t').insert(0, 'pending in a')
    await h.flush()
    expect(h.rooms.loadedRoom('a')?.pending).toBe(1)
    await h.advance(10)
    c.peer.setPresence({ user: { name: 'Cy' } })
    await h.flush()
    const d = h.join('d')
    await h.flush()
    expect([a.peer.closeCode, c.peer.closeCode, d.peer.closeCode]).toEqual([null, tryAgainLater, null])
    expect(h.rooms.loadedRoom('a')).toBeDefined()

    // Both loaded documents have pending writes now: the next load is refused, nobody is unloaded.
    d.peer.doc.getText('t').insert(0, 'pending in d')
    await h.flush()
    const e = h.join('e')
    await h.flush()
    expect([a.peer.closeCode, d.peer.closeCode, e.peer.closeCode]).toEqual([null, null, tryAgainLater])
    expect(h.rooms.loadedRoom('e')).toBeUndefined()
    expect(h.limitHits).toEqual(['loaded_documents', 'loaded_documents', 'loaded_documents'])

    // Once stored, nothing is lost, and there is room again.
    release()
    await h.flush()
    expect(text(await h.stored('a'))).toBe('pending in a')
    expect(text(await h.stored('d'))).toBe('pending in d')
    const again = h.join('e')
    await h.flush()
    expect(again.peer.synced).toBe(true)
  })
})

describe('room: presence in large rooms', () => {
  it(`[A1] with ${LARGE_ROOM} or more members, presence changes are gathered for ${PRESENCE_BATCH_MS} ms and sent as one message per member`, async () => {
    const h = setup()
    const members = Array.from({ length: 20 }, () => h.join())
    await h.flush()
    expect(members.every((m) => m.peer.synced)).toBe(true)
    const counts = members.map((m) => m.peer.frames.length)
    const received = () => members.map((m, i) => m.peer.frames.slice(counts[i]).filter(isAwareness).length)
    for (const [i, m] of members.entries()) m.peer.setPresence({ user: { name: `user-${i}` } })
    await h.flush()
    await h.advance(PRESENCE_BATCH_MS - 1)
    expect(received().every((n) => n === 0)).toBe(true)
    await h.advance(1)
    // 20 changes reached 20 members in one message each, not 19 messages each.
    expect(received().every((n) => n === 1)).toBe(true)
    expect(members.every((m) => m.peer.peerNames().length === 19)).toBe(true)
  })
})

describe('room: policy', () => {
  it('[Z4] with the Tandem policy, the presence name and id of an authenticated connection come from its identity', async () => {
    const h = setup({ policy: tandemRoomPolicy })
    const a = h.join('doc', { identity: identity('u-1', 'Ada') })
    const b = h.join()
    await h.flush()
    a.peer.setPresence({ user: { name: 'Mallory', id: 'someone-else', color: '#f00' } })
    await h.flush()
    expect(b.peer.awareness.getStates().get(a.peer.doc.clientID)).toEqual({ user: { name: 'Ada', id: 'u-1', color: '#f00' } })
  })

  it('[Z4] without a policy the room relays presence as the client sent it', async () => {
    const h = setup()
    const a = h.join('doc', { identity: identity('u-1', 'Ada') })
    const b = h.join()
    await h.flush()
    a.peer.setPresence({ user: { name: 'Mallory', color: '#f00' } })
    await h.flush()
    expect(b.peer.awareness.getStates().get(a.peer.doc.clientID)).toEqual({ user: { name: 'Mallory', color: '#f00' } })
  })

  it('[H4] with the Tandem policy, a commit records the title when it changed it, cut to the metadata limit', async () => {
    const storage = new TitleRecordingStorage()
    const h = setup({ storage, policy: tandemRoomPolicy })
    const a = h.join()
    await h.flush()
    const title = a.peer.doc.getText(TITLE_FIELD)
    a.peer.doc.getText('t').insert(0, 'body')
    await h.flush()
    title.insert(0, 'Plan')
    await h.flush()
    a.peer.doc.getText('t').insert(4, ' more')
    await h.flush()
    title.insert(4, '!'.repeat(MAX_TITLE_LENGTH))
    await h.flush()
    expect(storage.titles).toEqual([undefined, 'Plan', undefined, `Plan${'!'.repeat(MAX_TITLE_LENGTH - 4)}`])
    expect((await storage.getDocument('doc'))?.title).toBe(`Plan${'!'.repeat(MAX_TITLE_LENGTH - 4)}`)
  })

  it('[H4] without a policy a commit records no title', async () => {
    const storage = new TitleRecordingStorage()
    const h = setup({ storage })
    const a = h.join()
    await h.flush()
    a.peer.doc.getText(TITLE_FIELD).insert(0, 'Plan')
    await h.flush()
    expect(storage.titles).toEqual([undefined])
  })
})
