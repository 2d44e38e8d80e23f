import { CloseCode, type CloseReason } from '../../lib/protocol'
import { eventLoop, type Scheduler } from '../scheduler'
import { DocumentDeletedError, type Storage } from '../storage/storage'
import { ColdLoad } from './cold-load'
import type { CommitQueue } from './commit-queue'
import type { Compactor } from './compactor'
import { type BacklogLimits, Connection, type ConnectionInfo } from './connection'
import type { LimitHitReporter, PresenceLimits } from './limits'
import type { Log } from './log'
import type { RoomPolicy } from './policy'
import type { DocReplica, Replication } from './replication'
import { Room, type RoomHooks } from './room'
import type { PeerSocket } from './socket'
import { docFromStorage } from './yjs-merge'

export interface RoomManagerOptions {
  readonly storage: Storage
  readonly commitQueue: CommitQueue
  readonly compactor: Compactor
  readonly logger: Log
  /** Compact a document's log once it holds this many updates. */
  readonly compactAfterUpdates: number
  /** What a connection may send before its document has loaded. */
  readonly backlogLimits: BacklogLimits
  readonly presenceLimits: PresenceLimits
  /** Documents held in memory at most; see `makeRoomFor`. */
  readonly maxLoadedDocuments: number
  readonly onLimitHit: LimitHitReporter
  /** The application's rules for every room (see RoomPolicy); none by default. */
  readonly policy?: RoomPolicy
  /** Time and later turns (the event loop by default; tests step their own). */
  readonly scheduler?: Scheduler
  /** Wall-clock time stamped on a deletion's tombstone (ms since the epoch; Date.now by default). */
  readonly now?: () => number
  /** Keeps documents in step with the other servers of a cluster (server/cluster); none alone. */
  readonly replication?: Replication | null
  /**
   * A change made on this server was stored (automatic versions and the list's digests listen
   * here); `editor` names who made the newest change applied, when known (Room.lastEditor).
   */
  readonly onCommitted?: (docId: string, editor: string | undefined) => void
}

type RoomEntry =
  | { readonly phase: 'loading'; readonly ready: Promise<Room> }
  | { readonly phase: 'open'; readonly room: Room }
  /** Being deleted or reloaded: new users wait for `done`, then load afresh. */
  | { readonly phase: 'closing'; readonly done: Promise<void> }

/** A room that was unloaded with at least this many log entries is compacted in the background. */
const COMPACT_ON_UNLOAD_MIN_UPDATES = 32

/** No document can be unloaded to make room for another right now. */
class AtCapacity extends Error {
  constructor() {
    super('too many documents loaded, all with pending writes')
  }
}

/**
 * Owns the loaded documents. Concurrent requests for one document share one load; a room is
 * unloaded once it has no connection, no lease and nothing pending; a deleted or broken room
 * is closed and its pending commits drained before anyone may load the document again.
 */
export class RoomManager {
  private readonly entries = new Map<string, RoomEntry>()
  /** Every open connection, joined or still waiting for its document. */
  private readonly connections = new Set<Connection>()
  private nextConnectionId = 1
  private readonly hooks: RoomHooks
  private readonly scheduler: Scheduler
  private readonly coldLoad: ColdLoad

  constructor(private readonly options: RoomManagerOptions) {
    this.scheduler = options.scheduler ?? eventLoop
    this.coldLoad = new ColdLoad({ scheduler: this.scheduler, logger: options.logger })
    this.hooks = {
      onIdle: (room) => this.unload(room),
      onBroken: (room) => this.retire(room),
      onDeletedElsewhere: (room) => this.retire(room, CloseCode.DocumentDeleted),
      onLogGrown: (room) => {
        if (room.storedLogLength >= this.options.compactAfterUpdates) this.compact(room.docId)
      },
      onCommitted: (room) => this.options.onCommitted?.(room.docId, room.lastEditor),
    }
  }

  get loadedRooms(): number {
    let count = 0
    for (const entry of this.entries.values()) if (entry.phase === 'open') count++
    return count
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Updates received but not yet stored, across all rooms. */
  get pendingUpdates(): number {
    let count = 0
    for (const entry of this.entries.values()) if (entry.phase === 'open') count += entry.room.pending
    return count
  }

  /** Closes every connection that `predicate` picks (revocation); returns how many. */
  closeMatching(predicate: (connection: Connection) => boolean, reason: CloseReason): number {
    let closed = 0
    for (const connection of [...this.connections]) {
      if (!predicate(connection)) continue
      connection.close(reason)
      closed++
    }
    return closed
  }

  /** A snapshot of the open connections (for draining them one by one). */
  openConnections(): Connection[] {
    return [...this.connections]
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
    const connection = new Connection(this.nextConnectionId++, socket, info, this.options.backlogLimits)
    this.connections.add(connection)
    connection.onClose(() => this.forget(connection))
    this.coldLoad.add(connection)
    this.acquire(info.docId).then(
      (room) => {
        this.coldLoad.remove(connection)
        if (connection.isOpen && !room.isBroken) room.join(connection)
        else room.checkIdle()
      },
      (err: unknown) => {
        this.coldLoad.remove(connection)
        if (err instanceof AtCapacity) {
          this.options.onLimitHit('loaded_documents')
          return connection.close(CloseCode.TryAgainLater)
        }
        // A deleted document (L7): its backlog was never handled, so nothing of it is stored.
        if (err instanceof DocumentDeletedError) return connection.close(CloseCode.DocumentDeleted)
        this.options.logger.error({ err, docId: info.docId }, 'could not load document')
        connection.close(CloseCode.InternalError)
      },
    )
    return connection
  }

  private forget(connection: Connection): void {
    this.connections.delete(connection)
    this.coldLoad.remove(connection)
  }

  /**
   * Runs `fn` with the document loaded, keeping it loaded until `fn` settles. Rejects with
   * DocumentDeletedError for a deleted document.
   */
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
    this.makeRoomFor(docId)
    const started = this.scheduler.now()
    // In a cluster, listen to the other servers first: whatever they commit from now on is
    // either in the load below or heard of afterwards (C2).
    const replica = (await this.options.replication?.open(docId)) ?? null
    try {
      return await this.loadRoom(docId, replica, started)
    } catch (err) {
      replica?.close()
      throw err
    }
  }

  private async loadRoom(docId: string, replica: DocReplica | null, started: number): Promise<Room> {
    // A deleted document is never loaded, so nothing can be stored for it through a room
    // (L7); the failed load leaves no entry behind (see acquire).
    if (await this.options.storage.isDeleted(docId)) throw new DocumentDeletedError(docId)
    const stored = replica ? await replica.load() : { ...(await this.options.storage.load(docId)), lastSeq: 0 }
    await this.coldLoad.answerFromStorage(docId, stored)
    const doc = docFromStorage(stored, this.options.logger, docId)
    const room = new Room({
      replica,
      docId,
      doc,
      storedLogLength: stored.updates.length,
      commitQueue: this.options.commitQueue,
      logger: this.options.logger,
      hooks: this.hooks,
      presenceLimits: this.options.presenceLimits,
      onLimitHit: this.options.onLimitHit,
      scheduler: this.scheduler,
      policy: this.options.policy,
    })
    this.entries.set(docId, { phase: 'open', room })
    // Bound a turn later: the connections that waited for this load join the room first (in
    // this turn's promise callbacks). Some were answered from storage (cold load); an update
    // from another server applied before they joined would be relayed to no one and be
    // missing from their copy. Whatever arrives meanwhile waits in the replica.
    if (replica) this.scheduler.defer(() => replica.bind(room, stored.lastSeq))
    this.options.logger.debug({ docId, updates: stored.updates.length, ms: Math.round(this.scheduler.now() - started) }, 'document loaded')
    if (stored.updates.length >= this.options.compactAfterUpdates) this.compact(docId)
    return room
  }

  /**
   * Keeps the number of loaded documents under the limit: at the limit, the least recently
   * active document with nothing pending is unloaded — its clients are closed with 1013 and
   * reconnect (the stock client does so on its own). A document with pending writes is never
   * unloaded; if every one has some, the new load is refused for now.
   */
  private makeRoomFor(docId: string): void {
    let loaded = 0
    let victim: Room | null = null
    for (const [id, entry] of this.entries) {
      if (entry.phase === 'closing') continue
      loaded++
      if (entry.phase !== 'open' || id === docId || entry.room.pending > 0) continue
      if (!victim || entry.room.lastActivity < victim.lastActivity) victim = entry.room
    }
    // Called before this document's own entry exists: make room for one more.
    if (loaded < this.options.maxLoadedDocuments) return
    if (!victim) throw new AtCapacity()
    this.options.onLimitHit('loaded_documents')
    this.options.logger.info({ docId: victim.docId }, 'unloading the least recently used document (loaded-documents limit)')
    // With its connections gone and nothing pending, the room is idle and unloads itself
    // (unless a REST call holds it for a moment).
    victim.closeAll(CloseCode.TryAgainLater)
  }

  private unload(room: Room): void {
    const entry = this.entries.get(room.docId)
    if (entry?.phase !== 'open' || entry.room !== room) return
    this.entries.delete(room.docId)
    room.destroy()
    if (room.storedLogLength >= COMPACT_ON_UNLOAD_MIN_UPDATES) this.compact(room.docId)
    this.options.logger.debug({ docId: room.docId }, 'document unloaded')
  }

  /**
   * Drops a room once its pending updates are stored: one whose Y.Doc may be damaged (its
   * clients were closed to reload), or, with `reason`, one deleted by another server of the
   * cluster (its clients are closed with it). The next user loads the document afresh.
   */
  private retire(room: Room, reason?: CloseReason): void {
    const entry = this.entries.get(room.docId)
    if (entry?.phase !== 'open' || entry.room !== room) return
    const done = this.options.commitQueue.drain().then(() => {
      if (this.entries.get(room.docId) === closing) this.entries.delete(room.docId)
      room.destroy()
    })
    const closing: RoomEntry = { phase: 'closing', done }
    this.entries.set(room.docId, closing)
    // After the entry changed: the room emptying must not unload (and destroy) it meanwhile.
    if (reason) room.closeAll(reason)
  }

  private compact(docId: string): void {
    this.options.compactor.request(docId, (result) => {
      if (result) this.loadedRoom(docId)?.logCompacted(result.mergedUpdates)
    })
  }

  /**
   * Deletes a document: its open connections close with DocumentDeleted, anything it had
   * pending is stored first (then deleted with the rest), and no one can load it meanwhile.
   * Storage leaves a tombstone, so every later connection is closed with DocumentDeleted too.
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
      const deleted = await this.options.storage.deleteDocument(docId, (this.options.now ?? Date.now)())
      if (deleted) this.options.replication?.documentDeleted(docId)
      return deleted
    })()
    const closing: RoomEntry = {
      phase: 'closing',
      done: done.then(
        () => undefined,
        () => undefined,
      ),
    }
    this.entries.set(docId, closing)
    try {
      return await done
    } finally {
      if (this.entries.get(docId) === closing) this.entries.delete(docId)
    }
  }
}
