import { randomBytes } from 'node:crypto'
import type { ClusterStats } from '../metrics'
import type { Log } from '../rooms/log'
import type { DocReplica, ReplicaTarget, Replication } from '../rooms/replication'
import type { Cancel, Scheduler } from '../scheduler'
import type { Revocation } from '../storage/revocation-store'
import { DocumentDeletedError, type SequencedDocument, type SequencedStorage } from '../storage/storage'
import { type ClusterMessage, decodeClusterMessage, encodeClusterMessage } from './messages'
import type { ClusterBus } from './redis-bus'
import { DocSequence } from './sequence'

export interface ClusterOptions {
  readonly storage: SequencedStorage
  readonly logger: Log
  readonly scheduler: Scheduler
  /** This server's name in the cluster (random by default; unique per process). */
  readonly instanceId?: string
  /** How often every open document is checked against storage, whatever Redis says (C2). */
  readonly catchUpIntervalMs?: number
  /** How long a hole in the sequence may wait for its message before storage is read. */
  readonly gapWaitMs?: number
  /** Updates larger than this travel as a hint and are read from storage (C2). */
  readonly hintAboveBytes?: number
  /** Time to live of this server's liveness key; others forget its clients' presence when it lapses (C3). */
  readonly livenessTtlMs?: number
  /** Another server stored a revocation: refuse it here too (C4). */
  readonly onRevoked?: (revocation: Revocation) => void
  /** Redis came back: anything announced meanwhile may have been missed (revocations: reload them). */
  readonly onReconnected?: () => void
}

/** Storage reads of missed updates at once, over every document (see catchUpSlot). */
const MAX_CONCURRENT_CATCH_UPS = 3

const CONTROL_CHANNEL = 'tandem:control'
const docChannel = (docId: string) => `tandem:doc:${docId}`
const livenessKey = (instanceId: string) => `tandem:instance:${instanceId}`

/** The settings replicas use, resolved from ClusterOptions. */
interface ReplicaConfig {
  readonly gapWaitMs: number
  readonly hintAboveBytes: number
  readonly storage: SequencedStorage
  readonly logger: Log
  readonly scheduler: Scheduler
  readonly instanceId: string
}

/** Stands for another server in the presence store: its clients' states are owned by this. */
class RemoteServer {
  constructor(readonly id: string) {}
}

/**
 * This server's part in a cluster (C1–C5): one replica per open document, fed by Redis
 * messages and, whenever those may have missed something, by PostgreSQL — the record. The
 * bus is only ever a shortcut: a lost message, a Redis outage, a late subscription all end in
 * a read of `seq > applied` from storage, at the latest at the next periodic check.
 */
export class Cluster implements Replication {
  readonly instanceId: string
  /** Counters for /metrics. */
  private readonly counts = { published: 0, received: 0, catchUps: 0, serversGone: 0 }
  private bus: ClusterBus | null = null
  private readonly replicas = new Map<string, Replica>()
  private readonly servers = new Map<string, RemoteServer>()
  private readonly catchUpIntervalMs: number
  private readonly livenessTtlMs: number
  private catchUpsRunning = 0
  private readonly catchUpQueue: Array<() => void> = []
  /** What every replica reads on its hot path: resolved once, not rebuilt per message. */
  readonly config: ReplicaConfig
  private cancelCheck: Cancel | null = null
  private cancelHeartbeat: Cancel | null = null
  private stopped = false

  constructor(readonly options: ClusterOptions) {
    this.instanceId = options.instanceId ?? randomBytes(6).toString('hex')
    this.catchUpIntervalMs = options.catchUpIntervalMs ?? 2_000
    this.livenessTtlMs = options.livenessTtlMs ?? 5_000
    this.config = {
      gapWaitMs: options.gapWaitMs ?? 250,
      hintAboveBytes: options.hintAboveBytes ?? 64 * 1024,
      storage: options.storage,
      logger: options.logger,
      scheduler: options.scheduler,
      instanceId: this.instanceId,
    }
  }

  /** Starts on `bus`: announces this server alive, listens to the control channel, starts the timers. */
  async start(bus: ClusterBus): Promise<void> {
    this.bus = bus
    await bus.setExpiring(livenessKey(this.instanceId), this.livenessTtlMs)
    await bus.subscribe(CONTROL_CHANNEL)
    this.scheduleCheck()
    this.scheduleHeartbeat()
  }

  /** For the bus: a message arrived on `channel`. */
  receive(channel: string, bytes: Uint8Array): void {
    let message: ClusterMessage
    try {
      message = decodeClusterMessage(bytes)
    } catch (err) {
      this.options.logger.warn({ err, channel }, 'dropped a malformed cluster message')
      return
    }
    if (message.from === this.instanceId) return
    this.counts.received++
    switch (message.kind) {
      case 'update':
      case 'hint':
      case 'presence':
      case 'presence-query':
        return this.replicas.get(message.docId)?.receive(message, this.server(message.from))
      case 'deleted':
        return this.replicas.get(message.docId)?.deleted()
      case 'revoked':
        return this.options.onRevoked?.(message.revocation)
      case 'leaving':
        return this.serverGone(message.from)
    }
  }

  /** For the bus: Redis is back after an outage. Catch up every document, re-announce presence. */
  reconnected(): void {
    void this.bus?.setExpiring(livenessKey(this.instanceId), this.livenessTtlMs)
    this.options.onReconnected?.()
    for (const replica of this.replicas.values()) replica.resync()
    void this.checkAll()
  }

  async open(docId: string): Promise<DocReplica> {
    const replica = new Replica(this, docId)
    this.replicas.get(docId)?.close()
    this.replicas.set(docId, replica)
    await this.bus?.subscribe(docChannel(docId))
    return replica
  }

  documentDeleted(docId: string): void {
    this.publish(CONTROL_CHANNEL, { kind: 'deleted', from: this.instanceId, docId })
  }

  /** Tells the other servers about a revocation this server stored. */
  revoked(revocation: Revocation): void {
    this.publish(CONTROL_CHANNEL, { kind: 'revoked', from: this.instanceId, revocation })
  }

  /** For /readyz: Redis answers. */
  ping(): Promise<void> {
    return this.bus ? this.bus.ping() : Promise.reject(new Error('not started'))
  }

  /** Clean stop: the others forget this server's clients' presence at once; closes the bus. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.cancelCheck?.()
    this.cancelHeartbeat?.()
    this.publish(CONTROL_CHANNEL, { kind: 'leaving', from: this.instanceId })
    await this.bus?.deleteKey(livenessKey(this.instanceId))
    for (const replica of [...this.replicas.values()]) replica.close()
    await this.bus?.close()
  }

  /** @internal (Replica) */
  publish(channel: string, message: ClusterMessage): void {
    if (!this.bus?.isUp) return
    this.counts.published++
    this.bus.publish(channel, encodeClusterMessage(message))
  }

  /**
   * @internal (Replica) A turn to read from storage: at most MAX_CONCURRENT_CATCH_UPS at a time,
   * so that many documents catching up at once (after a Redis outage) never hold every pooled
   * connection while commits wait for one.
   */
  async catchUpSlot(): Promise<() => void> {
    // A released slot passes straight to the next in line, so the count never overshoots.
    if (this.catchUpsRunning < MAX_CONCURRENT_CATCH_UPS) this.catchUpsRunning++
    else await new Promise<void>((resolve) => this.catchUpQueue.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.catchUpQueue.shift()
      if (next) next()
      else this.catchUpsRunning--
    }
  }

  /** @internal (Replica) */
  countCatchUp(): void {
    this.counts.catchUps++
  }

  stats(): ClusterStats {
    return { ...this.counts, redisUp: this.bus?.isUp ?? false }
  }

  /** @internal (Replica) */
  forget(replica: Replica): void {
    if (this.replicas.get(replica.docId) !== replica) return
    this.replicas.delete(replica.docId)
    this.bus?.unsubscribe(docChannel(replica.docId))
  }

  private server(id: string): RemoteServer {
    let server = this.servers.get(id)
    if (!server) {
      server = new RemoteServer(id)
      this.servers.set(id, server)
    }
    return server
  }

  private serverGone(id: string): void {
    const server = this.servers.get(id)
    if (!server) return
    this.servers.delete(id)
    this.counts.serversGone++
    this.options.logger.info({ instance: id }, 'a cluster server is gone: removing its clients’ presence')
    for (const replica of this.replicas.values()) replica.forgetPresenceOf(server)
  }

  private scheduleCheck(): void {
    this.cancelCheck = this.options.scheduler.delay(this.catchUpIntervalMs, () => {
      void this.checkAll().finally(() => {
        if (!this.stopped) this.scheduleCheck()
      })
    })
  }

  /** One query for every open document: whoever is behind storage catches up. */
  private async checkAll(): Promise<void> {
    const bound = [...this.replicas.values()].filter((replica) => replica.isBound)
    if (bound.length === 0) return
    let heads: Map<string, number>
    try {
      heads = await this.options.storage.heads(bound.map((replica) => replica.docId))
    } catch (err) {
      this.options.logger.warn({ err }, 'cluster check: storage unreachable')
      return
    }
    for (const replica of bound) replica.checkHead(heads.get(replica.docId))
  }

  private scheduleHeartbeat(): void {
    this.cancelHeartbeat = this.options.scheduler.delay(this.livenessTtlMs / 3, () => {
      void this.heartbeat().finally(() => {
        if (!this.stopped) this.scheduleHeartbeat()
      })
    })
  }

  /** Renews this server's liveness key and forgets the servers whose key has lapsed. */
  private async heartbeat(): Promise<void> {
    const bus = this.bus
    if (!bus) return
    await bus.setExpiring(livenessKey(this.instanceId), this.livenessTtlMs)
    const ids = [...this.servers.keys()]
    const alive = await bus.existing(ids.map(livenessKey))
    if (!alive) return
    ids.forEach((id, index) => {
      if (!alive[index]) this.serverGone(id)
    })
  }
}

/** One open document's link to the cluster. */
class Replica implements DocReplica {
  private sequence: DocSequence | null = null
  private target: ReplicaTarget | null = null
  /** Messages that arrived between subscribing and binding (the load in between). */
  private early: Array<{ message: ClusterMessage; server: RemoteServer }> = []
  /** This server's own commits in that window (possible in the turn before binding). */
  private earlyOwn: number[] = []
  private catchingUp = false
  private catchUpAgain = false
  private cancelGapWait: Cancel | null = null
  /** The head the previous periodic check saw (see checkHead). */
  private seenHead: number | null = null
  private closed = false
  /** Settles when the room binds (resolves) or the replica closes first (rejects). */
  private readonly bound: Promise<void>
  private settleBound: (error?: Error) => void = () => {}

  constructor(
    private readonly cluster: Cluster,
    readonly docId: string,
  ) {
    this.bound = new Promise<void>((resolve, reject) => {
      this.settleBound = (error) => (error ? reject(error) : resolve())
    })
    // Nobody may be waiting: a replica closed unbound must not report an unhandled rejection.
    this.bound.catch(() => {})
  }

  get isBound(): boolean {
    return this.target !== null && !this.closed
  }

  load(): Promise<SequencedDocument> {
    return this.cluster.config.storage.loadWithSeq(this.docId)
  }

  bind(target: ReplicaTarget, lastSeq: number): void {
    if (this.closed) return
    this.target = target
    this.sequence = new DocSequence(lastSeq)
    for (const seq of this.earlyOwn) this.sequence.hear(seq, { kind: 'own' })
    this.earlyOwn = []
    const early = this.early
    this.early = []
    for (const { message, server } of early) this.receive(message, server)
    this.askForPresence()
    this.settleBound()
  }

  /**
   * Reads `seq > applied` from storage and applies it, whatever Redis has or has not brought.
   * Waits for the room to bind first: until then, what arrived since the load waits in `early`
   * and the sequence does not exist yet.
   */
  async catchUp(): Promise<void> {
    await this.bound
    const release = await this.cluster.catchUpSlot()
    try {
      if ((await this.readFromStorage()) === 'deleted') throw new DocumentDeletedError(this.docId)
    } finally {
      release()
      this.afterHearing()
    }
  }

  committed(seq: number, update: Uint8Array): void {
    if (this.closed) return
    const { instanceId, hintAboveBytes } = this.cluster.config
    if (this.sequence) this.apply(this.sequence.hear(seq, { kind: 'own' }))
    else this.earlyOwn.push(seq)
    const message: ClusterMessage =
      update.byteLength > hintAboveBytes
        ? { kind: 'hint', from: instanceId, docId: this.docId, seq }
        : { kind: 'update', from: instanceId, docId: this.docId, seq, update }
    this.cluster.publish(docChannel(this.docId), message)
    this.afterHearing()
  }

  presenceChanged(awareness: Uint8Array): void {
    if (this.closed) return
    this.cluster.publish(docChannel(this.docId), { kind: 'presence', from: this.cluster.config.instanceId, docId: this.docId, awareness })
  }

  receive(message: ClusterMessage, server: RemoteServer): void {
    if (this.closed) return
    const sequence = this.sequence
    const target = this.target
    if (!sequence || !target) {
      this.early.push({ message, server })
      return
    }
    switch (message.kind) {
      case 'update':
        this.apply(sequence.hear(message.seq, { kind: 'update', update: message.update }))
        return this.afterHearing()
      case 'hint':
        sequence.hear(message.seq, { kind: 'hint' })
        return this.afterHearing()
      case 'presence':
        return target.remotePresence(server, message.awareness)
      case 'presence-query': {
        const local = target.localPresence()
        if (local) this.presenceChanged(local)
        return
      }
      default:
        return
    }
  }

  /** After a Redis outage: tell the others who is here, ask who is there, and read what was missed. */
  resync(): void {
    if (!this.isBound) return
    const local = this.target?.localPresence()
    if (local) this.presenceChanged(local)
    this.askForPresence()
    void this.catchUpInBackground()
  }

  /**
   * The periodic check: `head` is storage's newest seq, undefined if the document is gone. A
   * head just ahead is normal under load (its message is on its way); one that the previous check
   * saw already and that is still not applied was missed: read it.
   */
  checkHead(head: number | undefined): void {
    if (!this.sequence || this.closed) return
    const missed = head === undefined || (this.seenHead !== null && this.seenHead > this.sequence.applied)
    this.seenHead = head ?? null
    if (missed) void this.catchUpInBackground()
  }

  forgetPresenceOf(server: RemoteServer): void {
    this.target?.forgetPresenceOf(server)
  }

  deleted(): void {
    if (this.closed) return
    const target = this.target
    this.close()
    target?.deleted()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.settleBound(new Error(`document ${this.docId} was closed`))
    this.cancelGapWait?.()
    this.cluster.forget(this)
  }

  private askForPresence(): void {
    this.cluster.publish(docChannel(this.docId), { kind: 'presence-query', from: this.cluster.config.instanceId, docId: this.docId })
  }

  /** Applies updates heard in order (`fresh`) or read back from storage. */
  private apply(updates: readonly Uint8Array[], fresh = true): void {
    if (updates.length > 0) this.target?.applyRemote(updates, fresh)
  }

  /** A hole in the sequence waits briefly for its message (they race on Redis), then storage is read. */
  private afterHearing(): void {
    if (this.closed || !this.sequence?.hasGap) {
      this.cancelGapWait?.()
      this.cancelGapWait = null
      return
    }
    if (this.cancelGapWait) return
    this.cancelGapWait = this.cluster.config.scheduler.delay(this.cluster.config.gapWaitMs, () => {
      this.cancelGapWait = null
      if (this.sequence?.hasGap) void this.catchUpInBackground()
    })
  }

  /**
   * Reads from storage what this server has not applied (`seq > applied`) and applies it, in
   * the background: one run at a time per document, a request meanwhile makes it read again.
   */
  private async catchUpInBackground(): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true
      return
    }
    this.catchingUp = true
    const release = await this.cluster.catchUpSlot()
    try {
      do {
        this.catchUpAgain = false
        if ((await this.readFromStorage()) === 'deleted') return
      } while (this.catchUpAgain)
    } catch (err) {
      // The periodic check tries again.
      this.cluster.config.logger.warn({ err, docId: this.docId }, 'cluster catch-up failed; retrying at the next check')
    } finally {
      release()
      this.catchingUp = false
      this.afterHearing()
    }
  }

  /**
   * One read of what is stored after `applied`, applied. The updates read include this
   * server's own, already applied: Yjs ignores what it has. 'deleted': the document is gone
   * (the room is told).
   */
  private async readFromStorage(): Promise<'deleted' | undefined> {
    const sequence = this.sequence
    if (!sequence || this.closed) return undefined
    const { storage } = this.cluster.config
    this.cluster.countCatchUp()
    const since = await storage.loadSince(this.docId, sequence.applied)
    if (this.closed) return undefined
    if (since) {
      this.apply(since.updates, false)
      this.apply(sequence.caughtUp(since.lastSeq))
      return undefined
    }
    if (await storage.isDeleted(this.docId)) {
      this.deleted()
      return 'deleted'
    }
    const whole = await storage.loadWithSeq(this.docId)
    if (this.closed) return undefined
    this.apply(whole.snapshot ? [whole.snapshot, ...whole.updates] : whole.updates, false)
    this.apply(sequence.caughtUp(whole.lastSeq))
    return undefined
  }
}
