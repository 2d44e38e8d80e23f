import * as Y from 'yjs'
import type { Identity } from '../../server/auth/claims'
import { CommitQueue } from '../../server/rooms/commit-queue'
import { Compactor } from '../../server/rooms/compactor'
import type { Connection } from '../../server/rooms/connection'
import type { PresenceLimits } from '../../server/rooms/limits'
import type { Log } from '../../server/rooms/log'
import type { RoomPolicy } from '../../server/rooms/policy'
import { RoomManager } from '../../server/rooms/room-manager'
import { MemoryStorage } from '../../server/storage/memory'
import type { Storage } from '../../server/storage/storage'
import { ManualScheduler, settle } from './manual-scheduler'
import { MemoryPeer } from './memory-peer'
import type { Rng } from './seeded-random'
import type { SocketPair } from './socket-pair'

export interface RoomHarnessOptions {
  readonly storage?: Storage
  readonly logger?: Log
  readonly compactAfterUpdates?: number
  readonly maxBacklog?: number
  readonly maxBacklogBytes?: number
  readonly maxLoadedDocuments?: number
  readonly presenceLimits?: PresenceLimits
  readonly retryDelayMs?: number
  readonly policy?: RoomPolicy
}

export interface Member {
  readonly peer: MemoryPeer
  readonly connection: Connection
  /** The client goes away (its socket closes and the transport reports it). */
  leave(): void
}

/** Steps one flush may take before it is taken for a livelock. */
const MAX_STEPS = 100_000

const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * The room manager, commit queue and compactor on a ManualScheduler, with clients on queued
 * in-memory socket pairs and real storage behind them: no network, no real timers. The test
 * decides when frames are delivered, when deferred work (group commits, compactions) runs and
 * when the clock moves, so what it observes does not depend on the machine's speed, and with
 * a seeded Rng choosing each step, one seed is one interleaving.
 */
export class RoomHarness {
  readonly scheduler = new ManualScheduler()
  readonly storage: Storage
  readonly commitQueue: CommitQueue
  readonly compactor: Compactor
  readonly rooms: RoomManager
  readonly limitHits: string[] = []
  /** Sockets that may still have something to deliver, in the order they connected. */
  private sockets: SocketPair[] = []
  private readonly peers: MemoryPeer[] = []

  constructor(options: RoomHarnessOptions = {}) {
    this.storage = options.storage ?? new MemoryStorage()
    const logger = options.logger ?? silentLog
    this.commitQueue = new CommitQueue({
      storage: this.storage,
      logger,
      retryDelayMs: options.retryDelayMs ?? 5,
      scheduler: this.scheduler,
    })
    this.compactor = new Compactor({ storage: this.storage, logger, scheduler: this.scheduler })
    this.rooms = new RoomManager({
      storage: this.storage,
      commitQueue: this.commitQueue,
      compactor: this.compactor,
      logger,
      compactAfterUpdates: options.compactAfterUpdates ?? 500,
      backlogLimits: {
        maxMessages: options.maxBacklog ?? 100,
        maxBytes: options.maxBacklogBytes ?? 1024 * 1024,
        onOverflow: () => this.limitHits.push('backlog'),
      },
      presenceLimits: options.presenceLimits ?? { maxAwarenessPerSecond: 1000, maxAwarenessStateBytes: 8192 },
      maxLoadedDocuments: options.maxLoadedDocuments ?? 100,
      onLimitHit: (kind) => this.limitHits.push(kind),
      policy: options.policy,
      scheduler: this.scheduler,
    })
  }

  /** Connects `socket` as a client of `docId`; nothing it queues moves until delivered. */
  connect(socket: SocketPair, docId: string, access: { canWrite?: boolean; identity?: Identity | null } = {}): Connection {
    const connection = this.rooms.connect(socket, {
      docId,
      remoteAddress: 'memory',
      identity: access.identity ?? null,
      canWrite: access.canWrite ?? true,
    })
    socket.attach((frame) => connection.receive(frame))
    this.sockets.push(socket)
    return connection
  }

  /**
   * A stock-client peer of `docId`; its sync step 1 is queued, as the provider sends it on open.
   * `clientID` fixes its Yjs client id (random otherwise).
   */
  join(docId = 'doc', access: { canWrite?: boolean; identity?: Identity | null; clientID?: number } = {}): Member {
    const peer = new MemoryPeer(access.clientID)
    const connection = this.connect(peer, docId, access)
    this.peers.push(peer)
    return {
      peer,
      connection,
      leave() {
        peer.hangUp()
        connection.closed({ code: 1000, reason: 'bye' })
      },
    }
  }

  /**
   * Runs everything that can run without the clock moving — queued frames both ways and
   * deferred tasks — letting promise continuations settle after each step, until nothing is
   * left. Without `rng` the order is fixed: frames before tasks, sockets in connection order,
   * each socket's client → server frames before its server → client ones. With `rng`, the rng
   * picks every step among all that could go next (each socket keeps its own order), so the
   * seed alone decides the interleaving.
   */
  async flush(rng?: Rng): Promise<void> {
    for (let step = 0; step < MAX_STEPS; step++) {
      await settle()
      const steps = this.possibleSteps()
      if (steps.length === 0) return
      const next = rng ? steps[rng.int(steps.length)]! : steps[0]!
      next()
    }
    throw new Error(`still busy after ${MAX_STEPS} steps`)
  }

  /** Moves the clock `ms` forward, running each timer that falls due and flushing after it. */
  async advance(ms: number, rng?: Rng): Promise<void> {
    const until = this.scheduler.now() + ms
    await this.flush(rng)
    while (this.scheduler.runTimerUntil(until)) await this.flush(rng)
    this.scheduler.moveTo(until)
  }

  /** Flushes until `promise` settles (a call that waits for commits); fails if it still waits afterwards. */
  async complete<T>(promise: Promise<T>): Promise<T> {
    let settled = false
    promise.then(
      () => (settled = true),
      () => (settled = true),
    )
    await this.flush()
    if (!settled) throw new Error('the call still waits after everything runnable ran')
    return promise
  }

  /** Reads what storage holds for `docId` into a fresh Y.Doc. */
  async stored(docId = 'doc'): Promise<Y.Doc> {
    const data = await this.storage.load(docId)
    const doc = new Y.Doc()
    if (data.snapshot) Y.applyUpdate(doc, data.snapshot)
    for (const update of data.updates) Y.applyUpdate(doc, update)
    return doc
  }

  /** Releases the peers' documents and stops background work. */
  async dispose(): Promise<void> {
    for (const peer of this.peers) peer.destroy()
    this.peers.length = 0
    const stopped = this.compactor.stop()
    await this.flush()
    await stopped
  }

  private possibleSteps(): Array<() => void> {
    this.sockets = this.sockets.filter((socket) => socket.isOpen || socket.hasQueued)
    const steps: Array<() => void> = []
    for (const socket of this.sockets) {
      if (socket.toServer.length > 0) steps.push(() => socket.deliverToServer())
      if (socket.toClient.length > 0) steps.push(() => socket.deliverToClient())
    }
    if (this.scheduler.deferredTasks > 0) steps.push(() => this.scheduler.runDeferred())
    return steps
  }
}
