import * as Y from 'yjs'
import {
  CloseCode,
  type CloseReason,
  type IncomingMessage,
  ProtocolError,
  writePermissionDenied,
  writeSyncStep1,
  writeSyncStep2,
  writeUpdate,
} from '../../lib/protocol'
import type { Scheduler } from '../scheduler'
import type { CommitQueue } from './commit-queue'
import type { Connection, MessageSink } from './connection'
import type { LimitHitReporter, PresenceLimits } from './limits'
import type { Log } from './log'
import type { DocumentMetadata, RoomPolicy } from './policy'
import { RoomPresence } from './presence'
import { PresenceRelay } from './presence-relay'
import type { DocReplica, ReplicaTarget } from './replication'
import { checkUpdate } from './update-validation'

export interface RoomHooks {
  /** No connection, no lease and nothing pending: the manager may unload the room. */
  onIdle(room: Room): void
  /** Yjs threw while applying an update: the in-memory document can no longer be trusted. */
  onBroken(room: Room): void
  /** The stored log of this document has grown past the compaction threshold. */
  onLogGrown(room: Room): void
  /** Another server of the cluster deleted the document: the manager closes the room. */
  onDeletedElsewhere(room: Room): void
  /** A change made on this server (a client's or the server's own) was stored. */
  onCommitted?(room: Room): void
}

export interface RoomOptions {
  readonly docId: string
  /** The document as loaded from storage. */
  readonly doc: Y.Doc
  /** How many log entries follow the stored snapshot (drives compaction). */
  readonly storedLogLength: number
  readonly commitQueue: CommitQueue
  readonly logger: Log
  readonly hooks: RoomHooks
  readonly presenceLimits: PresenceLimits
  readonly onLimitHit: LimitHitReporter
  readonly scheduler: Scheduler
  /** The application's rules (what commits record, how presence is rewritten); none by default. */
  readonly policy?: RoomPolicy
  /** The document's link to the other servers of a cluster, if any. */
  readonly replica?: DocReplica | null
}

/** Origin of changes the server makes itself (a rename through the REST API). */
const SERVER_ORIGIN = Symbol('tandem-server')
/** Origin of updates other servers of the cluster committed. */
const CLUSTER_ORIGIN = Symbol('tandem-cluster')

const NO_METADATA: DocumentMetadata = {}

/**
 * One loaded document: its Y.Doc, presence and connections. Transport-free: it receives parsed
 * messages and sends bytes through each connection's socket.
 *
 * Durability rule: an update is applied here (which validates it), then committed by the
 * shared commit queue, and only after the commit is it relayed — to every connection,
 * the sender included, so the sender learns it is stored. Anything that reveals document
 * content to a client (the answer to sync step 1) waits until no update is pending, so no
 * client ever receives content that a crash could still lose.
 */
export class Room implements MessageSink, ReplicaTarget {
  readonly docId: string
  readonly doc: Y.Doc
  readonly connections = new Set<Connection>()
  readonly presence = new RoomPresence()
  private pendingUpdates = 0
  private afterCommit: Array<() => void> = []
  private leases = 0
  private logLength: number
  /**
   * Sync step 2 for a client that has nothing (state vector [0], every new client): encoded
   * once per document version and shared, so a join storm costs one encode, not one per client.
   */
  private fullStateFrame: Uint8Array | null = null
  private broken = false
  private readonly commitQueue: CommitQueue
  private readonly logger: Log
  private readonly hooks: RoomHooks
  private readonly onLimitHit: LimitHitReporter
  private readonly scheduler: Scheduler
  private readonly presenceRelay: PresenceRelay
  private readonly replica: DocReplica | null
  /** What the policy records with each commit (see RoomPolicy.watchMetadata). */
  private readonly metadataOfCommit: () => DocumentMetadata
  /** Connections asked to resync because they sent an update with missing dependencies. */
  private readonly repairRequested = new Set<Connection>()
  /** When a client last sent anything (scheduler clock), for least-recently-used unloading. */
  lastActivity: number
  /**
   * Who made the newest change applied here: the token's name, else the name the client shows
   * in its presence (open mode); undefined when unknown (a REST write in open mode). Read by
   * the documents list's digest after the commit (server/documents/digests.ts).
   */
  lastEditor: string | undefined

  constructor(options: RoomOptions) {
    this.docId = options.docId
    this.doc = options.doc
    this.logLength = options.storedLogLength
    this.commitQueue = options.commitQueue
    this.logger = options.logger
    this.hooks = options.hooks
    this.onLimitHit = options.onLimitHit
    this.scheduler = options.scheduler
    this.lastActivity = this.scheduler.now()
    this.replica = options.replica ?? null
    const replica = this.replica
    this.presenceRelay = new PresenceRelay({
      store: this.presence,
      members: this.connections,
      limits: options.presenceLimits,
      scheduler: options.scheduler,
      onLimitHit: options.onLimitHit,
      rewritePresence: options.policy?.rewritePresence,
      onLocalChange: replica ? (awareness) => replica.presenceChanged(awareness) : undefined,
    })
    this.metadataOfCommit = options.policy?.watchMetadata?.(this.doc) ?? (() => NO_METADATA)
  }

  get isIdle(): boolean {
    return this.connections.size === 0 && this.leases === 0 && this.pendingUpdates === 0
  }

  get isBroken(): boolean {
    return this.broken
  }

  /** Updates applied in memory but not yet stored. */
  get pending(): number {
    return this.pendingUpdates
  }

  /** Log entries stored after the last snapshot (as far as this room knows). */
  get storedLogLength(): number {
    return this.logLength
  }

  /** Called after a compaction merged `merged` entries into the snapshot. */
  logCompacted(merged: number): void {
    this.logLength = Math.max(0, this.logLength - merged)
  }

  join(connection: Connection): void {
    this.connections.add(connection)
    connection.send(writeSyncStep1(Y.encodeStateVector(this.doc)))
    const states = this.presenceRelay.statesFrame()
    if (states) connection.send(states)
    connection.joined(this)
  }

  handle(connection: Connection, message: IncomingMessage): void {
    if (this.broken) return
    this.lastActivity = this.scheduler.now()
    try {
      this.dispatch(connection, message)
    } catch (err) {
      if (err instanceof ProtocolError) return connection.close(err.close)
      this.logger.error({ err, docId: this.docId, connection: connection.id }, 'message handler failed')
      connection.close(CloseCode.InternalError)
    }
  }

  private dispatch(connection: Connection, message: IncomingMessage): void {
    switch (message.kind) {
      case 'sync-step1': {
        const { stateVector } = message
        this.whenCommitted(() => connection.send(this.syncStep2For(stateVector)))
        return
      }
      case 'sync-step2':
        return this.receiveUpdate(connection, message.update, true)
      case 'update':
        return this.receiveUpdate(connection, message.update, false)
      case 'awareness':
        return this.presenceRelay.receive(connection, message.awarenessUpdate)
      case 'query-awareness': {
        const states = this.presenceRelay.statesFrame()
        if (states) connection.send(states)
        return
      }
      case 'permission-denied':
        // Only servers send this; a client that does is harmless and ignored.
        return
      default:
        return assertNever(message)
    }
  }

  private syncStep2For(stateVector: Uint8Array): Uint8Array {
    const knowsNothing = stateVector.length === 1 && stateVector[0] === 0
    if (!knowsNothing) return writeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector))
    this.fullStateFrame ??= writeSyncStep2(Y.encodeStateAsUpdate(this.doc))
    return this.fullStateFrame
  }

  private receiveUpdate(connection: Connection, update: Uint8Array, isSyncStep2: boolean): void {
    const check = checkUpdate(this.doc, update)
    if (check === 'empty') return
    if (!connection.info.canWrite) {
      connection.send(writePermissionDenied('read-only access: document updates are not accepted'))
      return
    }
    if (check === 'invalid') return connection.close(CloseCode.InvalidUpdate)
    if (check === 'missing-dependencies') return this.requestRepair(connection, isSyncStep2)
    if (isSyncStep2) this.repairRequested.delete(connection)
    this.fullStateFrame = null
    try {
      Y.applyUpdate(this.doc, update, connection)
    } catch (err) {
      this.logger.warn({ err, docId: this.docId, connection: connection.id }, 'Yjs refused an update')
      connection.close(CloseCode.InvalidUpdate)
      return this.breakRoom()
    }
    const identity = connection.info.identity
    const author = identity ? (identity.name ?? identity.userId) : undefined
    this.lastEditor = author ?? this.presence.nameOf(connection)
    this.commit(update, undefined, author)
  }

  /**
   * An update that refers to content the document lacks is not applied (see checkUpdate).
   * An honest client can send one (an edit built on another tab's change that reached it
   * first), and it holds what is missing: the room sends it sync step 1, and its sync step 2
   * answer brings the update together with everything it depends on. A sync step 2 is always
   * such an answer (to the room's step 1 at join or here): if it still lacks dependencies, the
   * client cannot supply them, and it is closed as invalid.
   */
  private requestRepair(connection: Connection, isSyncStep2: boolean): void {
    if (isSyncStep2) {
      this.onLimitHit('unresolvable_update')
      return connection.close(CloseCode.InvalidUpdate)
    }
    if (this.repairRequested.has(connection)) return
    this.repairRequested.add(connection)
    connection.send(writeSyncStep1(Y.encodeStateVector(this.doc)))
  }

  /**
   * Makes a server-side change (e.g. a rename) and resolves once it is stored and relayed;
   * `author` names who asked for it, when known (announced by webhooks).
   */
  change(fn: (doc: Y.Doc) => void, author?: string): Promise<void> {
    if (this.broken) return Promise.reject(new Error(`document ${this.docId} is reloading`))
    const updates: Uint8Array[] = []
    const collect = (update: Uint8Array, origin: unknown): void => {
      if (origin === SERVER_ORIGIN) updates.push(update)
    }
    this.fullStateFrame = null
    this.doc.on('update', collect)
    try {
      this.doc.transact(() => fn(this.doc), SERVER_ORIGIN)
    } finally {
      this.doc.off('update', collect)
    }
    if (updates.length === 0) return Promise.resolve()
    this.lastEditor = author
    return new Promise((resolve) => this.commit(Y.mergeUpdates(updates), resolve, author))
  }

  /** Queues an applied update for storage; it is relayed once stored (D3, D4). */
  private commit(update: Uint8Array, onStored?: () => void, author?: string): void {
    const { title } = this.metadataOfCommit()
    this.pendingUpdates++
    this.commitQueue.enqueue(
      this.docId,
      update,
      title,
      (seq) => {
        this.pendingUpdates--
        this.logLength++
        this.broadcast(writeUpdate(update))
        if (seq !== null) this.replica?.committed(seq, update)
        onStored?.()
        this.hooks.onCommitted?.(this)
        if (this.pendingUpdates === 0) this.runAfterCommit()
        this.hooks.onLogGrown(this)
        this.checkIdle()
      },
      author,
    )
  }

  /**
   * Updates other servers committed (C2), already stored: applied, then relayed to the clients
   * here. Fresh ones go on as they came (no re-encoding: this is the relay's hot path); a
   * catch-up from storage relays only what this document did not have yet, as Yjs reports it.
   */
  applyRemote(updates: readonly Uint8Array[], fresh: boolean): void {
    if (this.broken) return
    const news: Uint8Array[] = []
    const collect = (update: Uint8Array, origin: unknown): void => {
      if (origin === CLUSTER_ORIGIN) news.push(update)
    }
    if (!fresh) this.doc.on('update', collect)
    try {
      this.doc.transact(() => {
        for (const update of updates) Y.applyUpdate(this.doc, update, CLUSTER_ORIGIN)
      }, CLUSTER_ORIGIN)
    } catch (err) {
      this.logger.error({ err, docId: this.docId }, 'Yjs refused an update from another server')
      return this.breakRoom()
    } finally {
      if (!fresh) this.doc.off('update', collect)
    }
    const relayed = fresh ? updates : news
    if (relayed.length === 0) return
    this.fullStateFrame = null
    for (const update of relayed) this.broadcast(writeUpdate(update))
  }

  remotePresence(owner: object, awareness: Uint8Array): void {
    try {
      this.presenceRelay.receiveRemote(owner, awareness)
    } catch (err) {
      this.logger.warn({ err, docId: this.docId }, 'dropped malformed presence from another server')
    }
  }

  forgetPresenceOf(owner: object): void {
    this.presenceRelay.forgetOwner(owner)
  }

  localPresence(): Uint8Array | null {
    return this.presenceRelay.localStatesUpdate()
  }

  deleted(): void {
    this.hooks.onDeletedElsewhere(this)
  }

  /**
   * Resolves once the document holds everything stored before the call, including what other
   * servers of a cluster committed that has not reached this one yet (see DocReplica.catchUp).
   * Alone, a room always does.
   */
  catchUp(): Promise<void> {
    return this.replica ? this.replica.catchUp() : Promise.resolve()
  }

  /**
   * Reads the document once nothing is pending (D5), for the REST API: what it returns is
   * stored, so no HTTP reader can hold content that a crash would still lose.
   */
  readStored<T>(read: (doc: Y.Doc) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.whenCommitted(() => {
        try {
          resolve(read(this.doc))
        } catch (err) {
          reject(err)
        }
      })
    })
  }

  private whenCommitted(fn: () => void): void {
    if (this.pendingUpdates === 0) fn()
    else this.afterCommit.push(fn)
  }

  private runAfterCommit(): void {
    const callbacks = this.afterCommit
    this.afterCommit = []
    for (const fn of callbacks) fn()
  }

  leave(connection: Connection): void {
    if (!this.connections.delete(connection)) return
    this.repairRequested.delete(connection)
    this.presenceRelay.remove(connection)
    this.checkIdle()
  }

  /** Keeps the room loaded while a server-side operation (REST) uses it. */
  lease(): () => void {
    this.leases++
    let released = false
    return () => {
      if (released) return
      released = true
      this.leases--
      this.checkIdle()
    }
  }

  /** Closes every connection with `reason` (document deleted, server shutting down). */
  closeAll(reason: CloseReason): void {
    for (const connection of [...this.connections]) connection.close(reason)
  }

  private breakRoom(): void {
    if (this.broken) return
    this.broken = true
    this.afterCommit = []
    this.closeAll(CloseCode.DocumentReloaded)
    this.hooks.onBroken(this)
  }

  private broadcast(frame: Uint8Array): void {
    for (const connection of this.connections) connection.send(frame)
  }

  /** Tells the manager when the room may be unloaded (also after a load whose client left). */
  checkIdle(): void {
    if (this.isIdle) this.hooks.onIdle(this)
  }

  destroy(): void {
    this.replica?.close()
    this.presenceRelay.dispose()
    this.doc.destroy()
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`)
}
