import { type Cancel, eventLoop, type Scheduler } from '../scheduler'
import { isSequenced, type PendingUpdate, type Storage } from '../storage/storage'
import type { Log } from './log'

export interface CommitQueueOptions {
  readonly storage: Storage
  readonly logger: Log
  /** First retry delay after a failed commit; doubles up to `maxRetryDelayMs`. */
  readonly retryDelayMs?: number
  readonly maxRetryDelayMs?: number
  /** Wall-clock time stored with each batch (ms since the epoch). */
  readonly now?: () => number
  /** When "the end of the turn" is, and the retry timer (the event loop by default). */
  readonly scheduler?: Scheduler
  /** Called after each successful batch (metrics). */
  readonly onBatchCommitted?: (size: number, durationMs: number) => void
  /**
   * Under load, batches start at least this far apart (ms, 0 = every turn). An update that
   * arrives when the last batch started longer ago than this (an idle server) is still
   * committed at the end of its turn; under load it waits at most this long and shares the
   * commit with everything else that arrived meanwhile, so the batch grows with the load (D15).
   */
  readonly batchWindowMs?: number
}

/**
 * Told once the update is stored, with its sequence number in the document's log when the
 * storage numbers updates (PostgreSQL; what a cluster relay publishes), null otherwise.
 */
export type OnCommitted = (seq: number | null) => void

interface QueuedUpdate extends PendingUpdate {
  readonly onCommitted: OnCommitted
}

/**
 * Group commit for the whole server. Every update that arrives during one event-loop turn,
 * for any document, is written in one storage transaction at the end of that turn; only then
 * are the callers told (and only then do they relay the update to anyone). Under load
 * (`batchWindowMs`), a batch starts no sooner than that long after the previous one, so one
 * commit carries everything that arrived meanwhile: fewer, larger transactions.
 *
 * One batch is in flight at a time, so updates of one document are stored in arrival order.
 * A failed batch is not dropped: it stays at the head of the queue and is retried with
 * backoff, and everything that arrives meanwhile waits behind it.
 */
export class CommitQueue {
  private queued: QueuedUpdate[] = []
  private inFlight = false
  private inFlightCount = 0
  private scheduled = false
  private retryDelay: number
  private cancelRetry: Cancel | null = null
  /** The timer that starts the next batch once the window since the last one has passed. */
  private cancelWindow: Cancel | null = null
  /** When the last batch started (scheduler clock); -Infinity before the first. */
  private lastBatchAt = Number.NEGATIVE_INFINITY
  private idleWaiters: Array<() => void> = []
  private readonly storage: Storage
  private readonly logger: Log
  private readonly now: () => number
  private readonly scheduler: Scheduler
  private readonly baseRetryDelay: number
  private readonly maxRetryDelay: number
  private readonly onBatchCommitted: (size: number, durationMs: number) => void
  private readonly batchWindowMs: number

  constructor(options: CommitQueueOptions) {
    this.storage = options.storage
    this.logger = options.logger
    this.now = options.now ?? Date.now
    this.scheduler = options.scheduler ?? eventLoop
    this.onBatchCommitted = options.onBatchCommitted ?? (() => {})
    this.baseRetryDelay = options.retryDelayMs ?? 50
    this.maxRetryDelay = options.maxRetryDelayMs ?? 5_000
    this.retryDelay = this.baseRetryDelay
    this.batchWindowMs = options.batchWindowMs ?? 0
  }

  /** Queues an update; `onCommitted` runs once it is durably stored. */
  enqueue(docId: string, update: Uint8Array, title: string | undefined, onCommitted: OnCommitted, author?: string): void {
    this.queued.push({ docId, update, title, onCommitted, author })
    this.schedule()
  }

  /** Number of updates not yet stored (queued or in flight). */
  get pending(): number {
    return this.queued.length + this.inFlightCount
  }

  /** Resolves once every update queued so far is stored. Never rejects; it waits out failures. */
  drain(): Promise<void> {
    if (this.queued.length === 0 && !this.inFlight) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Commits what is queued right now instead of at the end of the turn (shutdown). */
  flushNow(): Promise<void> {
    for (const cancel of [this.cancelRetry, this.cancelWindow]) {
      if (!cancel) continue
      cancel()
      this.scheduled = false
    }
    this.cancelRetry = null
    this.cancelWindow = null
    // A window still to wait out would only delay the shutdown.
    this.lastBatchAt = Number.NEGATIVE_INFINITY
    if (!this.inFlight && !this.scheduled) this.schedule()
    return this.drain()
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return
    this.scheduled = true
    const wait = this.lastBatchAt + this.batchWindowMs - this.scheduler.now()
    if (wait <= 0) {
      this.scheduler.defer(() => void this.flush())
      return
    }
    this.cancelWindow = this.scheduler.delay(wait, () => {
      this.cancelWindow = null
      void this.flush()
    })
  }

  private async flush(): Promise<void> {
    this.scheduled = false
    if (this.inFlight || this.queued.length === 0) return this.notifyIfIdle()
    this.lastBatchAt = this.scheduler.now()
    const batch = this.queued
    this.queued = []
    this.inFlight = true
    this.inFlightCount = batch.length
    const started = this.scheduler.now()
    let seqs: ReadonlyArray<number | null> | null = null
    try {
      const storage = this.storage
      if (isSequenced(storage)) seqs = await storage.appendSequenced(batch, this.now())
      else await storage.append(batch, this.now())
    } catch (err) {
      this.inFlight = false
      this.inFlightCount = 0
      // Keep order: the failed batch goes back in front of whatever arrived meanwhile.
      this.queued = batch.concat(this.queued)
      this.logger.error({ err, batch: batch.length, retryInMs: this.retryDelay }, 'commit failed; will retry')
      this.scheduled = true
      this.cancelRetry = this.scheduler.delay(this.retryDelay, () => {
        this.cancelRetry = null
        void this.flush()
      })
      this.retryDelay = Math.min(this.retryDelay * 2, this.maxRetryDelay)
      return
    }
    this.inFlight = false
    this.inFlightCount = 0
    this.retryDelay = this.baseRetryDelay
    this.onBatchCommitted(batch.length, this.scheduler.now() - started)
    for (const [index, entry] of batch.entries()) {
      try {
        entry.onCommitted(seqs?.[index] ?? null)
      } catch (err) {
        this.logger.error({ err, docId: entry.docId }, 'commit callback failed')
      }
    }
    if (this.queued.length > 0) this.schedule()
    else this.notifyIfIdle()
  }

  private notifyIfIdle(): void {
    if (this.queued.length > 0 || this.inFlight) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
