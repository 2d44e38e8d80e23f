import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Connection } from '../../server/rooms/connection'
import { SqliteStorage } from '../../server/storage/sqlite'
import { whenReceived } from '../helpers/events'
import { frameKind, syncPayload, updateFrame } from '../helpers/frames'
import { GatedStorage } from '../helpers/gated-storage'
import { openRaw, type RawSocket } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { readStoredDoc } from '../helpers/storage-inspect'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/**
 * The write path under load: what one batch commits is stored before anyone hears of it (D3),
 * is one storage append however many updates it holds (D15), and reaches each recipient in one
 * socket write (D17) while every frame stays one y-protocol message (P1).
 */

const running: RunningServer[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop()
  for (const dir of dirs.splice(0)) removeDir(dir)
})

/** Counts the writes the server makes to one connection's TCP socket (each is a system call). */
function countWrites(connection: Connection): { readonly count: number } {
  const tcp = (connection.socket as unknown as { ws: { _socket: Duplex } }).ws._socket as Duplex & {
    _write: (...args: unknown[]) => void
    _writev: (...args: unknown[]) => void
  }
  const counter = { count: 0 }
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method].bind(tcp)
    tcp[method] = (...args: unknown[]) => {
      counter.count++
      original(...args)
    }
  }
  return counter
}

function updatesIn(socket: RawSocket): Uint8Array[] {
  return socket.received.filter((frame) => frameKind(frame) === 'update').map(syncPayload)
}

describe('write path', () => {
  it('[D3][D15][D17][P1] updates that queue behind a commit are stored in one append and reach each recipient in one socket write, one message per frame, only once stored', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const storage = new GatedStorage(new SqliteStorage({ dataDir }))
    const server = await startServer({ heartbeatMs: '600000' }, { storage }, dataDir)
    running.push(server)
    const reader = await openRaw(`${server.wsUrl}/batched`)
    await whenReceived(reader.ws, () => reader.received.some((f) => frameKind(f) === 'sync-step1'), 'the reader to join')
    const writer = await openRaw(`${server.wsUrl}/batched`)
    await whenReceived(writer.ws, () => writer.received.some((f) => frameKind(f) === 'sync-step1'), 'the writer to join')
    const [readerConnection] = server.server.rooms.openConnections()
    const writes = countWrites(readerConnection!)

    const source = new Y.Doc()
    const edits: Uint8Array[] = []
    const edit = (text: string) => {
      const before = Y.encodeStateVector(source)
      source.getText('t').insert(source.getText('t').length, text)
      const update = Y.encodeStateAsUpdate(source, before)
      edits.push(update)
      writer.send(updateFrame(update))
    }
    const release = storage.holdAppends()
    edit('a')
    await waitFor(() => storage.appendCalls === 1, 'the first batch to reach storage')
    // These arrive while the first batch is in flight: they wait for it, then go in one batch.
    edit('b')
    edit('c')
    edit('d')
    await waitFor(() => server.server.commitQueue.pending === 4, 'the three later updates to queue')
    expect(updatesIn(reader), 'nothing is relayed before it is stored').toEqual([])
    expect(writes.count).toBe(0)

    release()
    await whenReceived(reader.ws, () => updatesIn(reader).length === 4, 'all four updates at the reader')
    expect(storage.appendCalls).toBe(2)
    // No keepalive runs meanwhile (heartbeatMs): the first batch's update in one write, the three of the second batch together in one more.
    expect(writes.count).toBe(2)
    // Still one y-protocol message per WebSocket message, in order, each as the writer sent it.
    expect(updatesIn(reader)).toEqual(edits)
    await whenReceived(writer.ws, () => updatesIn(writer).length === 4, 'the writer to get its four echoes')
    expect(updatesIn(writer)).toEqual(edits)

    await server.stop()
    running.length = 0
    const stored = await readStoredDoc(dataDir, 'batched')
    expect(stored.doc.getText('t').toString()).toBe('abcd')
    expect(stored.hasPending).toBe(false)
  })
})
