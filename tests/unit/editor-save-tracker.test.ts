import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { SaveTracker, subtractRanges } from '../../lib/client/save-tracker'
import { peekSyncMessage } from '../../lib/client/sync-messages'

/**
 * A client Y.Doc and a "server" Y.Doc wired by hand: local updates are queued as they would be
 * on the socket; `deliver()` applies them on the server side and echoes what the server's own
 * doc emits (what a relaying server sends back to every connection, the sender included).
 */
function setup() {
  const client = new Y.Doc()
  const server = new Y.Doc()
  const tracker = new SaveTracker()
  const outbox: Uint8Array[] = []
  client.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === 'server') return
    tracker.recordLocalUpdate(update)
    outbox.push(update)
  })
  const echoes: Uint8Array[] = []
  server.on('update', (update: Uint8Array) => echoes.push(update))
  const deliver = () => {
    for (const update of outbox.splice(0)) Y.applyUpdate(server, update, 'client')
  }
  const echo = () => {
    for (const update of echoes.splice(0)) {
      Y.applyUpdate(client, update, 'server')
      tracker.recordServerUpdate(update)
    }
  }
  return { client, server, tracker, deliver, echo, outbox, echoes }
}

describe('SaveTracker', () => {
  it('is saved with no local changes', () => {
    expect(new SaveTracker().isSaved).toBe(true)
  })

  it('stays unsaved until the server echoes the insert back', () => {
    const { client, tracker, deliver, echo } = setup()
    client.getText('t').insert(0, 'hello')
    expect(tracker.isSaved).toBe(false)
    deliver()
    expect(tracker.isSaved).toBe(false) // stored, but not confirmed to us yet
    echo()
    expect(tracker.isSaved).toBe(true)
  })

  it('needs every pending insert confirmed, not just the first', () => {
    const { client, tracker, deliver, echo, outbox } = setup()
    const text = client.getText('t')
    text.insert(0, 'a')
    deliver()
    text.insert(1, 'b') // still in flight
    echo()
    expect(tracker.isSaved).toBe(false)
    expect(outbox.length).toBe(1)
    deliver()
    echo()
    expect(tracker.isSaved).toBe(true)
  })

  it('treats a deletion (which advances no clock) as unsaved until confirmed', () => {
    const { client, tracker, deliver, echo } = setup()
    const text = client.getText('t')
    text.insert(0, 'hello world')
    deliver()
    echo()
    expect(tracker.isSaved).toBe(true)
    const clockBefore = Y.getState(client.store, client.clientID)
    text.delete(0, 6)
    expect(Y.getState(client.store, client.clientID)).toBe(clockBefore)
    expect(tracker.isSaved).toBe(false)
    expect(tracker.onlyDeletesPending).toBe(true)
    deliver()
    echo()
    expect(tracker.isSaved).toBe(true)
  })

  it('confirms deletions of other clients’ text from the echoed delete set', () => {
    const { client, server, tracker, deliver, echo } = setup()
    const other = new Y.Doc()
    other.getText('t').insert(0, 'from someone else')
    const update = Y.encodeStateAsUpdate(other)
    Y.applyUpdate(server, update)
    Y.applyUpdate(client, update, 'server')
    tracker.recordServerUpdate(update)
    client.getText('t').delete(0, 5)
    expect(tracker.isSaved).toBe(false)
    deliver()
    echo()
    expect(tracker.isSaved).toBe(true)
  })

  it('a deletion the server already had is confirmed by a sync step 2 (full delete set)', () => {
    const { client, server, tracker, deliver, echo, echoes } = setup()
    client.getText('t').insert(0, 'abcdef')
    deliver()
    echo()
    // Someone else deletes "abc" on the server first; we delete the same range concurrently.
    const other = new Y.Doc()
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server))
    other.getText('t').delete(0, 3)
    Y.applyUpdate(server, Y.encodeStateAsUpdate(other))
    echoes.length = 0
    client.getText('t').delete(0, 3)
    deliver()
    expect(echoes.length).toBe(0) // nothing new for the server: no echo
    expect(tracker.isSaved).toBe(false)
    // What the client gets back after sending a sync step 1: a step 2 with the whole delete set.
    const step2 = Y.encodeStateAsUpdate(server, Y.encodeStateVector(client))
    tracker.recordServerUpdate(step2)
    expect(tracker.isSaved).toBe(true)
  })

  it('offline edits are confirmed by the state vector in the server’s sync step 1 once stored', () => {
    const { client, server, tracker, deliver } = setup()
    client.getText('t').insert(0, 'typed offline')
    deliver()
    tracker.recordServerStateVector(Y.decodeStateVector(Y.encodeStateVector(server)))
    expect(tracker.isSaved).toBe(true)
  })

  it('ignores server state about clients it never wrote as', () => {
    const tracker = new SaveTracker()
    tracker.recordServerStateVector(new Map([[123, 10]]))
    expect(tracker.isSaved).toBe(true)
  })
})

describe('SaveTracker: counting and remembering pending changes', () => {
  it('counts each local transaction until the server confirms it', () => {
    const { client, tracker, deliver, echo } = setup()
    const text = client.getText('t')
    text.insert(0, 'a')
    text.insert(1, 'b')
    text.delete(0, 1)
    expect(tracker.pendingCount).toBe(3)
    deliver()
    echo()
    expect(tracker.pendingCount).toBe(0)
    expect(tracker.isSaved).toBe(true)
  })

  it('a snapshot restored in a new page stays pending until the server has all of it', () => {
    const { client, server, tracker, deliver } = setup()
    const text = client.getText('t')
    text.insert(0, 'offline words')
    text.delete(0, 8)
    const snapshot = JSON.parse(JSON.stringify(tracker.snapshot()))
    expect(snapshot.count).toBe(2)

    // A reload: a fresh tracker learns what was pending from the snapshot alone.
    const reloaded = new SaveTracker()
    reloaded.restore(snapshot)
    expect(reloaded.pendingCount).toBe(2)
    // The server's state vector covers the inserts, not the deletion.
    deliver()
    reloaded.recordServerStateVector(Y.decodeStateVector(Y.encodeStateVector(server)))
    expect(reloaded.isSaved).toBe(false)
    // Its sync step 2 carries the delete set: now all of it is stored.
    reloaded.recordServerUpdate(Y.encodeStateAsUpdate(server))
    expect(reloaded.isSaved).toBe(true)
    expect(reloaded.pendingCount).toBe(0)
  })

  it('the change version moves whenever the pending set changes, so a stale snapshot is rewritten', () => {
    const { client, tracker, deliver, echo } = setup()
    const before = tracker.changeVersion
    client.getText('t').insert(0, 'x')
    const afterEdit = tracker.changeVersion
    expect(afterEdit).toBeGreaterThan(before)
    deliver()
    echo()
    expect(tracker.changeVersion).toBeGreaterThan(afterEdit)
  })
})

describe('subtractRanges', () => {
  it('splits, trims and removes ranges', () => {
    expect(subtractRanges([{ clock: 0, len: 10 }], [{ clock: 3, len: 2 }])).toEqual([
      { clock: 0, len: 3 },
      { clock: 5, len: 5 },
    ])
    expect(subtractRanges([{ clock: 0, len: 10 }], [{ clock: 0, len: 10 }])).toEqual([])
    expect(subtractRanges([{ clock: 5, len: 5 }], [{ clock: 0, len: 7 }])).toEqual([{ clock: 7, len: 3 }])
    expect(subtractRanges([{ clock: 5, len: 5 }], [{ clock: 10, len: 7 }])).toEqual([{ clock: 5, len: 5 }])
  })
})

describe('peekSyncMessage', () => {
  const frame = (write: (encoder: encoding.Encoder) => void) => {
    const encoder = encoding.createEncoder()
    write(encoder)
    return decoding.createDecoder(encoding.toUint8Array(encoder))
  }

  it('reads step 1, step 2 and update without consuming the decoder', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'x')
    const step1 = frame((e) => syncProtocol.writeSyncStep1(e, doc))
    const info1 = peekSyncMessage(step1)
    expect(info1).toEqual({ kind: 'state-vector', stateVector: new Map([[doc.clientID, 1]]) })
    expect(step1.pos).toBe(0)

    const step2 = frame((e) => syncProtocol.writeSyncStep2(e, doc))
    const info2 = peekSyncMessage(step2)
    expect(info2?.kind).toBe('update')
    const update = frame((e) => syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc)))
    expect(peekSyncMessage(update)?.kind).toBe('update')
  })

  it('returns null for garbage instead of throwing', () => {
    expect(peekSyncMessage(decoding.createDecoder(new Uint8Array([7])))).toBeNull()
    expect(peekSyncMessage(decoding.createDecoder(new Uint8Array([0, 200])))).toBeNull()
  })
})
