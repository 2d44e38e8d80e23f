import type { Logger } from 'pino'
import * as Y from 'yjs'
import {
  type AwarenessEntry,
  CloseCode,
  type CloseReason,
  clampText,
  type IncomingMessage,
  MAX_TITLE_LENGTH,
  ProtocolError,
  readAwarenessUpdate,
  TITLE_FIELD,
  writeAwareness,
  writePermissionDenied,
  writeSyncStep1,
  writeSyncStep2,
  writeUpdate,
} from '../../lib/protocol'
import type { Identity } from '../auth/claims'
import { TokenBucket } from '../limits/token-bucket'
import type { CommitQueue } from './commit-queue'
import type { Connection, MessageSink } from './connection'
import { RoomPresence } from './presence'
import { checkUpdate } from './update-validation'

export interface RoomHooks {
  /** No connection, no lease and nothing pending: the manager may unload the room. */
  onIdle(room: Room): void
  /** Yjs threw while applying an update: the in-memory document can no longer be trusted. */
  onBroken(room: Room): void
  /** The stored log of this document has grown past the compaction threshold. */
  onLogGrown(room: Room): void
}

/** Presence limits, per connection (see the README's configuration table). */
export interface PresenceLimits {
  /** Relayed presence updates per second; beyond it updates are coalesced, latest wins. */
  readonly maxAwarenessPerSecond: number
  /** Largest JSON state one client may publish. */
  readonly maxAwarenessStateBytes: number
}

/** Reports limit hits (metrics); rooms know nothing else of observability. */
export type LimitHitReporter = (kind: string) => void

export interface RoomOptions {
  readonly docId: string
  /** The document as loaded from storage. */
  readonly doc: Y.Doc
  /** How many log entries follow the stored snapshot (drives compaction). */
  readonly storedLogLength: number
  readonly commitQueue: CommitQueue
  readonly logger: Logger
  readonly hooks: RoomHooks
  readonly presenceLimits: PresenceLimits
  readonly onLimitHit: LimitHitReporter
}

/** Per-connection presence throttle: a bucket and the client ids waiting to be relayed. */
interface PresenceThrottle {
  readonly bucket: TokenBucket
  readonly dirty: Set<number>
  timer: NodeJS.Timeout | null
}

/** Rooms with at least this many connections relay presence in batches (see relayPresence). */
const LARGE_ROOM = 16
/** How long presence changes are gathered in a large room; well under the 100 ms people notice. */
const PRESENCE_BATCH_MS = 40

/** Origin of changes the server makes itself (a rename through the REST API). */
const SERVER_ORIGIN = Symbol('tandem-server')

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
export class Room implements MessageSink {
  readonly docId: string
  readonly doc: Y.Doc
  readonly connections = new Set<Connection>()
  readonly presence = new RoomPresence()
  private pendingUpdates = 0
  private afterCommit: Array<() => void> = []
  private leases = 0
  private logLength: number
  private titleChanged = false
  /**
   * Sync step 2 for a client that has nothing (state vector [0], every new client): encoded
   * once per document version and shared, so a join storm costs one encode, not one per client.
   */
  private fullStateFrame: Uint8Array | null = null
  private broken = false
  private readonly titleText: Y.Text
  private readonly commitQueue: CommitQueue
  private readonly logger: Logger
  private readonly hooks: RoomHooks
  private readonly presenceLimits: PresenceLimits
  private readonly onLimitHit: LimitHitReporter
  private readonly throttles = new Map<Connection, PresenceThrottle>()
  private readonly presenceBatch = new Set<number>()
  private presenceTimer: NodeJS.Timeout | null = null
  /** Connections asked to resync because they sent an update with missing dependencies. */
  private readonly repairRequested = new Set<Connection>()
  /** When a client last sent anything (performance.now()), for least-recently-used unloading. */
  lastActivity = performance.now()

  constructor(options: RoomOptions) {
    this.docId = options.docId
    this.doc = options.doc
    this.logLength = options.storedLogLength
    this.commitQueue = options.commitQueue
    this.logger = options.logger
    this.hooks = options.hooks
    this.presenceLimits = options.presenceLimits
    this.onLimitHit = options.onLimitHit
    this.titleText = this.doc.getText(TITLE_FIELD)
    this.titleText.observe(() => {
      this.titleChanged = true
    })
  }

  get title(): string {
    return this.titleText.toString()
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
    const states = this.presence.encodeAll()
    if (states) connection.send(writeAwareness(states))
    connection.joined(this)
  }

  handle(connection: Connection, message: IncomingMessage): void {
    if (this.broken) return
    this.lastActivity = performance.now()
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
        return this.receivePresence(connection, message.awarenessUpdate)
      case 'query-awareness': {
        const states = this.presence.encodeAll()
        if (states) connection.send(writeAwareness(states))
        return
      }
      case 'permission-denied':
        // Only servers send this; a client that does is harmless and ignored.
        return
      default:
        return assertNever(message)
    }
  }

  private receivePresence(connection: Connection, awarenessUpdate: Uint8Array): void {
    let entries = readAwarenessUpdate(awarenessUpdate)
    for (const entry of entries) {
      if (Buffer.byteLength(entry.json) > this.presenceLimits.maxAwarenessStateBytes) {
        this.onLimitHit('awareness_state_size')
        return connection.close(CloseCode.RateLimited)
      }
    }
    const identity = connection.info.identity
    if (identity) entries = entries.map((entry) => withIdentity(entry, identity))
    const changed = this.presence.apply(entries, connection)
    if (changed.length === 0) return
    let throttle = this.throttles.get(connection)
    if (!throttle) {
      const rate = this.presenceLimits.maxAwarenessPerSecond
      throttle = { bucket: new TokenBucket(rate, rate), dirty: new Set(), timer: null }
      this.throttles.set(connection, throttle)
    }
    if (throttle.timer === null && throttle.bucket.take(1)) {
      // Common case: what the client sent goes on as it is, unless identity was rewritten.
      return this.relayPresence(connection, changed, identity ? null : awarenessUpdate)
    }
    // Over the rate: remember who changed and relay their latest state once the budget allows.
    for (const clientId of changed) throttle.dirty.add(clientId)
    if (throttle.timer !== null) return
    this.onLimitHit('awareness_per_second')
    const flush = (): void => {
      const t = throttle!
      const wait = t.bucket.debtMs()
      if (wait > 0) {
        t.timer = setTimeout(flush, wait)
        return
      }
      t.timer = null
      if (t.dirty.size === 0 || !this.connections.has(connection)) return
      const ids = [...t.dirty]
      t.dirty.clear()
      this.relayPresence(connection, ids, null)
    }
    throttle.timer = setTimeout(flush, Math.max(1, throttle.bucket.debtMs()))
  }

  /**
   * Relays presence changes. In a small room each change goes out at once. In a large one,
   * relaying every caret move to every member costs members² messages (500 people moving
   * once a second would be 250,000 sends a second), so changes are gathered for
   * PRESENCE_BATCH_MS and sent as one message, encoded once, to everyone.
   */
  private relayPresence(from: Connection, clientIds: readonly number[], asSent: Uint8Array | null): void {
    if (this.connections.size < LARGE_ROOM) {
      const update = asSent ?? this.presence.encode(clientIds)
      return this.broadcast(writeAwareness(update), from)
    }
    for (const clientId of clientIds) this.presenceBatch.add(clientId)
    this.presenceTimer ??= setTimeout(() => {
      this.presenceTimer = null
      const ids = [...this.presenceBatch]
      this.presenceBatch.clear()
      // Senders get their own state back too: one encoding for all, and y-protocols ignores it.
      if (ids.length > 0) this.broadcast(writeAwareness(this.presence.encode(ids)))
    }, PRESENCE_BATCH_MS)
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
    this.titleChanged = false
    this.fullStateFrame = null
    try {
      Y.applyUpdate(this.doc, update, connection)
    } catch (err) {
      this.logger.warn({ err, docId: this.docId, connection: connection.id }, 'Yjs refused an update')
      connection.close(CloseCode.InvalidUpdate)
      return this.breakRoom()
    }
    this.commit(update)
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
   * Makes a server-side change (e.g. a rename) and resolves once it is stored and relayed.
   */
  change(fn: (doc: Y.Doc) => void): Promise<void> {
    if (this.broken) return Promise.reject(new Error(`document ${this.docId} is reloading`))
    const updates: Uint8Array[] = []
    const collect = (update: Uint8Array, origin: unknown): void => {
      if (origin === SERVER_ORIGIN) updates.push(update)
    }
    this.titleChanged = false
    this.fullStateFrame = null
    this.doc.on('update', collect)
    try {
      this.doc.transact(() => fn(this.doc), SERVER_ORIGIN)
    } finally {
      this.doc.off('update', collect)
    }
    if (updates.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.commit(Y.mergeUpdates(updates), resolve))
  }

  private commit(update: Uint8Array, onStored?: () => void): void {
    // Metadata keeps a bounded copy; the Y.Text itself is the client's business.
    const title = this.titleChanged ? clampText(this.title, MAX_TITLE_LENGTH) : undefined
    this.pendingUpdates++
    this.commitQueue.enqueue(this.docId, update, title, () => {
      this.pendingUpdates--
      this.logLength++
      this.broadcast(writeUpdate(update))
      onStored?.()
      if (this.pendingUpdates === 0) this.runAfterCommit()
      this.hooks.onLogGrown(this)
      this.checkIdle()
    })
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
    const throttle = this.throttles.get(connection)
    if (throttle?.timer) clearTimeout(throttle.timer)
    this.throttles.delete(connection)
    this.repairRequested.delete(connection)
    const removal = this.presence.removeOwnedBy(connection)
    if (removal) this.broadcast(writeAwareness(removal))
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

  private broadcast(frame: Uint8Array, except?: Connection): void {
    for (const connection of this.connections) {
      if (connection !== except) connection.send(frame)
    }
  }

  /** Tells the manager when the room may be unloaded (also after a load whose client left). */
  checkIdle(): void {
    if (this.isIdle) this.hooks.onIdle(this)
  }

  destroy(): void {
    if (this.presenceTimer) clearTimeout(this.presenceTimer)
    for (const throttle of this.throttles.values()) if (throttle.timer) clearTimeout(throttle.timer)
    this.doc.destroy()
  }
}

/**
 * With auth on, who a caret belongs to comes from the token, not from the client: the `user`
 * field of the state gets the token's name and user id (other fields, like colour, stay).
 */
function withIdentity(entry: AwarenessEntry, identity: Identity): AwarenessEntry {
  if (entry.state === null) return entry
  const claimed = entry.state.user
  const user = {
    ...(typeof claimed === 'object' && claimed !== null && !Array.isArray(claimed) ? claimed : {}),
    name: identity.name ?? identity.userId,
    id: identity.userId,
  }
  const state = { ...entry.state, user }
  return { ...entry, state, json: JSON.stringify(state) }
}

function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`)
}
