import { CloseCode, readAwarenessUpdate, writeAwareness } from '../../lib/protocol'
import { TokenBucket } from '../limits/token-bucket'
import type { Cancel, Scheduler } from '../scheduler'
import type { Connection } from './connection'
import type { LimitHitReporter, PresenceLimits } from './limits'
import type { RoomPolicy } from './policy'
import type { RoomPresence } from './presence'

/** Rooms with at least this many connections relay presence in batches (see `relay`). */
export const LARGE_ROOM = 16
/** How long presence changes are gathered in a large room; well under the 100 ms people notice. */
export const PRESENCE_BATCH_MS = 40

export interface PresenceRelayOptions {
  /** The room's states. */
  readonly store: RoomPresence
  /** The room's connections, which presence is relayed to (the relay only reads the set). */
  readonly members: ReadonlySet<Connection>
  readonly limits: PresenceLimits
  readonly scheduler: Scheduler
  readonly onLimitHit: LimitHitReporter
  readonly rewritePresence?: RoomPolicy['rewritePresence']
  /** This server's clients' presence changed (an awareness update): for the other servers of a cluster. */
  readonly onLocalChange?: (awareness: Uint8Array) => void
}

/** Per-connection throttle: a bucket, the client ids waiting to be relayed and the timer that will relay them. */
interface Throttle {
  readonly bucket: TokenBucket
  readonly dirty: Set<number>
  cancel: Cancel | null
}

/**
 * Moves presence between the members of one room (A1–A3, B3): checks each update's size,
 * lets the policy rewrite it from the sender's identity, keeps it in the store, and relays
 * what changed — at most `maxAwarenessPerSecond` updates per sender (beyond that the latest
 * state of each changed client goes out when the sender's budget allows), and in a large room
 * gathered for PRESENCE_BATCH_MS into one message for everyone.
 */
export class PresenceRelay {
  private readonly store: RoomPresence
  private readonly members: ReadonlySet<Connection>
  private readonly limits: PresenceLimits
  private readonly scheduler: Scheduler
  private readonly onLimitHit: LimitHitReporter
  private readonly rewritePresence: RoomPolicy['rewritePresence']
  private readonly onLocalChange: ((awareness: Uint8Array) => void) | undefined
  private readonly throttles = new Map<Connection, Throttle>()
  private readonly batch = new Set<number>()
  private cancelBatch: Cancel | null = null

  constructor(options: PresenceRelayOptions) {
    this.store = options.store
    this.members = options.members
    this.limits = options.limits
    this.scheduler = options.scheduler
    this.onLimitHit = options.onLimitHit
    this.rewritePresence = options.rewritePresence
    this.onLocalChange = options.onLocalChange
  }

  /** Every live state as one awareness frame, for a newcomer (P2) or a query (P4); null if none. */
  statesFrame(): Uint8Array | null {
    const states = this.store.encodeAll()
    return states && writeAwareness(states)
  }

  /**
   * Takes an awareness update from `from`. A malformed one throws ProtocolError before anything
   * is kept; a state over the size limit closes `from` (4429) with nothing kept.
   */
  receive(from: Connection, awarenessUpdate: Uint8Array): void {
    let entries = readAwarenessUpdate(awarenessUpdate)
    for (const entry of entries) {
      if (Buffer.byteLength(entry.json) > this.limits.maxAwarenessStateBytes) {
        this.onLimitHit('awareness_state_size')
        return from.close(CloseCode.RateLimited)
      }
    }
    const identity = from.info.identity
    const rewrite = this.rewritePresence
    const rewritten = identity !== null && rewrite !== undefined
    if (rewritten) entries = entries.map((entry) => rewrite(entry, identity))
    const changed = this.store.apply(entries, from)
    if (changed.length === 0) return
    // Common case: what the client sent goes on as it is, unless the policy rewrote it.
    this.throttled(from, changed, rewritten ? null : awarenessUpdate)
  }

  /** `connection` has left the members: its pending changes are dropped and its states removed, at once (A2). */
  remove(connection: Connection): void {
    this.throttles.get(connection)?.cancel?.()
    this.throttles.delete(connection)
    const removal = this.store.removeOwnedBy(connection)
    if (!removal) return
    this.broadcast(writeAwareness(removal))
    this.onLocalChange?.(removal)
  }

  /**
   * Presence of another server's clients (`owner` stands for that server), already checked
   * there: kept and relayed to every member here, never sent back out.
   */
  receiveRemote(owner: object, awarenessUpdate: Uint8Array): void {
    const changed = this.store.apply(readAwarenessUpdate(awarenessUpdate), owner)
    if (changed.length > 0) this.distribute(changed, null)
  }

  /** The server `owner` stands for is gone: its clients' states are removed here at once. */
  forgetOwner(owner: object): void {
    const removal = this.store.removeOwnedBy(owner)
    if (removal) this.broadcast(writeAwareness(removal))
  }

  /** The states of this room's own members (not of other servers' clients); null if none. */
  localStatesUpdate(): Uint8Array | null {
    return this.store.encodeAll((owner) => this.members.has(owner as Connection))
  }

  /** Cancels every timer (the room is unloading). */
  dispose(): void {
    this.cancelBatch?.()
    this.cancelBatch = null
    for (const throttle of this.throttles.values()) throttle.cancel?.()
    this.throttles.clear()
  }

  private throttled(from: Connection, changed: readonly number[], asSent: Uint8Array | null): void {
    let throttle = this.throttles.get(from)
    if (!throttle) {
      const rate = this.limits.maxAwarenessPerSecond
      throttle = { bucket: new TokenBucket(rate, rate, () => this.scheduler.now()), dirty: new Set(), cancel: null }
      this.throttles.set(from, throttle)
    }
    if (throttle.cancel === null && throttle.bucket.take(1)) return this.relay(from, changed, asSent)
    // Over the rate: remember who changed and relay their latest state once the budget allows.
    for (const clientId of changed) throttle.dirty.add(clientId)
    if (throttle.cancel !== null) return
    this.onLimitHit('awareness_per_second')
    this.relayWhenRefilled(from, throttle, Math.max(1, throttle.bucket.debtMs()))
  }

  private relayWhenRefilled(from: Connection, throttle: Throttle, ms: number): void {
    throttle.cancel = this.scheduler.delay(ms, () => {
      const wait = throttle.bucket.debtMs()
      if (wait > 0) return this.relayWhenRefilled(from, throttle, wait)
      throttle.cancel = null
      if (throttle.dirty.size === 0 || !this.members.has(from)) return
      const clientIds = [...throttle.dirty]
      throttle.dirty.clear()
      this.relay(from, clientIds, null)
    })
  }

  /**
   * Relays presence changes. In a small room each change goes out at once, to everyone but its
   * sender. In a large one, relaying every caret move to every member costs members² messages
   * (500 people moving once a second would be 250,000 sends a second), so changes are gathered
   * for PRESENCE_BATCH_MS and sent as one message, encoded once, to everyone — senders get
   * their own state back too, which y-protocols ignores.
   */
  private relay(from: Connection, clientIds: readonly number[], asSent: Uint8Array | null): void {
    let update = asSent
    if (this.onLocalChange) {
      update ??= this.store.encode(clientIds)
      this.onLocalChange(update)
    }
    this.distribute(clientIds, from, update)
  }

  private distribute(clientIds: readonly number[], from: Connection | null, update: Uint8Array | null = null): void {
    if (this.members.size < LARGE_ROOM) {
      return this.broadcast(writeAwareness(update ?? this.store.encode(clientIds)), from ?? undefined)
    }
    for (const clientId of clientIds) this.batch.add(clientId)
    this.cancelBatch ??= this.scheduler.delay(PRESENCE_BATCH_MS, () => {
      this.cancelBatch = null
      const batched = [...this.batch]
      this.batch.clear()
      if (batched.length > 0) this.broadcast(writeAwareness(this.store.encode(batched)))
    })
  }

  private broadcast(frame: Uint8Array, except?: Connection): void {
    for (const member of this.members) if (member !== except) member.send(frame)
  }
}
