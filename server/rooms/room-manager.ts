import type { Logger } from 'pino'
import { CloseCode, type CloseReason } from '../../lib/protocol'
import type { Storage } from '../storage/storage'
import type { CommitQueue } from './commit-queue'
import type { Compactor } from './compactor'
import { Connection, type ConnectionInfo } from './connection'
import { Room, type RoomHooks } from './room'
import type { PeerSocket } from './socket'
import { docFromStorage } from './yjs-merge'

export interface RoomManagerOptions {
  readonly storage: Storage
  readonly commitQueue: CommitQueue
  readonly compactor: Compactor
  readonly logger: Logger
  /** Compact a document's log once it holds this many updates. */
  readonly compactAfterUpdates: number
  /** Messages a connection may send before its document has loaded. */
  readonly maxBacklogMessages: number
}

type RoomEntry =
  | { readonly phase: 'loading'; readonly ready: Promise<Room> }
  | { readonly phase: 'open'; readonly room: Room }
  /** Being deleted or reloaded: new users wait for `done`, then load afresh. */
  | { readonly phase: 'closing'; readonly done: Promise<void> }

/** A room that was unloaded with at least this many log entries is compacted in the background. */
const COMPACT_ON_UNLOAD_MIN_UPDATES = 32

/**
 * Owns the loaded documents. Concurrent requests for one document share one load; a room is
 * unloaded once it has no connection, no lease and nothing pending; a deleted or broken room
 * is closed and its pending commits drained before anyone may load the document again.
 */
export class RoomManager {
  private readonly entries = new Map<string, RoomEntry>()
  private nextConnectionId = 1
  private readonly hooks: RoomHooks

  constructor(private readonly options: RoomManagerOptions) {
    this.hooks = {
      onIdle: (room) => this.unload(room),
      onBroken: (room) => this.reload(room),
      onLogGrown: (room) => {
        if (room.storedLogLength >= this.options.compactAfterUpdates) this.compact(room.docId)
      },
    }
  }

  get loadedRooms(): number {
    let count = 0
    for (const entry of this.entries.values()) if (entry.phase === 'open') count++
    return count
  }

  get connectionCount(): number {
    let count = 0
    for (const entry of this.entries.values()) if (entry.phase === 'open') count += entry.room.connections.size
    return count
  }

  /** The loaded room of a document, if any (for inspection; does not load). */
  loadedRoom(docId: string): Room | undefined {
    const entry = this.entries.get(docId)
    return entry?.phase === 'open' ? entry.room : undefined
  }

  /**
   * Accepts a new client socket for `docId`: messages are buffered until the document is
   * loaded, then the connection joins its room. The transport reports the socket's end
   * through `connection.closed()`.
   */
  connect(socket: PeerSocket, info: ConnectionInfo): Connection {
    const connection = new Connection(this.nextConnectionId++, socket, info, this.options.maxBacklogMessages)
    this.acquire(info.docId).then(
      (room) => {
        if (connection.isOpen && !room.isBroken) room.join(connection)
        else room.checkIdle()
      },
      (err: unknown) => {
        this.options.logger.error({ err, docId: info.docId }, 'could not load document')
        connection.close(CloseCode.InternalError)
      },
    )
    return connection
  }

  /** Runs `fn` with the document loaded, keeping it loaded until `fn` settles. */
  async withRoom<T>(docId: string, fn: (room: Room) => Promise<T> | T): Promise<T> {
    const room = await this.acquire(docId)
    const release = room.lease()
    try {
      return await fn(room)
    } finally {
      release()
    }
  }

  private async acquire(docId: string): Promise<Room> {
    for (;;) {
      const entry = this.entries.get(docId)
      if (entry === undefined) break
      if (entry.phase === 'open') return entry.room
      if (entry.phase === 'loading') return entry.ready
      await entry.done
    }
    const ready = this.load(docId)
    this.entries.set(docId, { phase: 'loading', ready })
    ready.catch(() => {
      if (this.entries.get(docId)?.phase === 'loading') this.entries.delete(docId)
    })
    return ready
  }

  private async load(docId: string): Promise<Room> {
    const started = performance.now()
    const stored = await this.options.storage.load(docId)
    const doc = docFromStorage(stored, this.options.logger, docId)
    const room = new Room({
      docId,
      doc,
      storedLogLength: stored.updates.length,
      commitQueue: this.options.commitQueue,
      logger: this.options.logger,
      hooks: this.hooks,
    })
    this.entries.set(docId, { phase: 'open', room })
    this.options.logger.debug(
      { docId, updates: stored.updates.length, ms: Math.round(performance.now() - started) },
      'document loaded',
    )
    if (stored.updates.length >= this.options.compactAfterUpdates) this.compact(docId)
    return room
  }

  private unload(room: Room): void {
    const entry = this.entries.get(room.docId)
    if (entry?.phase !== 'open' || entry.room !== room) return
    this.entries.delete(room.docId)
    room.destroy()
    if (room.storedLogLength >= COMPACT_ON_UNLOAD_MIN_UPDATES) this.compact(room.docId)
    this.options.logger.debug({ docId: room.docId }, 'document unloaded')
  }

  /** A room whose Y.Doc may be damaged: drop it once its valid pending updates are stored. */
  private reload(room: Room): void {
    const entry = this.entries.get(room.docId)
    if (entry?.phase !== 'open' || entry.room !== room) return
    const done = this.options.commitQueue.drain().then(() => {
      if (this.entries.get(room.docId) === closing) this.entries.delete(room.docId)
      room.destroy()
    })
    const closing: RoomEntry = { phase: 'closing', done }
    this.entries.set(room.docId, closing)
  }

  private compact(docId: string): void {
    this.options.compactor.request(docId, (result) => {
      if (result) this.loadedRoom(docId)?.logCompacted(result.mergedUpdates)
    })
  }

  /**
   * Deletes a document: its open connections close with DocumentDeleted, anything it had
   * pending is stored first (then deleted with the rest), and no one can load it meanwhile.
   */
  async deleteDocument(docId: string): Promise<boolean> {
    let room: Room | null = null
    for (;;) {
      const entry = this.entries.get(docId)
      if (entry === undefined) break
      if (entry.phase === 'open') {
        room = entry.room
        break
      }
      if (entry.phase === 'loading') await entry.ready.catch(() => null)
      else await entry.done
    }
    const done = (async () => {
      room?.closeAll(CloseCode.DocumentDeleted)
      await this.options.commitQueue.drain()
      room?.destroy()
      return this.options.storage.deleteDocument(docId)
    })()
    const closing: RoomEntry = { phase: 'closing', done: done.then(() => undefined, () => undefined) }
    this.entries.set(docId, closing)
    try {
      return await done
    } finally {
      if (this.entries.get(docId) === closing) this.entries.delete(docId)
    }
  }

  /** Shutdown: store everything pending, then close every connection with `reason`. */
  async closeAll(reason: CloseReason = CloseCode.GoingAway): Promise<void> {
    await this.options.commitQueue.flushNow()
    for (const entry of [...this.entries.values()]) {
      if (entry.phase === 'open') entry.room.closeAll(reason)
    }
    await this.options.commitQueue.flushNow()
  }
}
