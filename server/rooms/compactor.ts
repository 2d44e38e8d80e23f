import { eventLoop, type Scheduler } from '../scheduler'
import type { CompactionResult, Storage } from '../storage/storage'
import type { Log } from './log'
import { mergeIntoSnapshot } from './yjs-merge'

export interface CompactorOptions {
  readonly storage: Storage
  readonly logger: Log
  /** Which later turn each compaction runs in (the event loop by default). */
  readonly scheduler?: Scheduler
  /** Called after each compaction (metrics). */
  readonly onCompacted?: (docId: string, result: CompactionResult) => void
}

/**
 * Background compaction: merges a document's update log into its snapshot so that loading
 * reads one snapshot and a short tail. Runs one document at a time, off the request path
 * (each in a later turn of the scheduler), and never more than once per document concurrently.
 */
export class Compactor {
  private readonly queue: Array<{ docId: string; done: (result: CompactionResult | null) => void }> = []
  private readonly queued = new Set<string>()
  /** The compaction under way (started or about to start); settles when it has finished. */
  private running: Promise<void> | null = null
  private stopped = false
  private readonly storage: Storage
  private readonly logger: Log
  private readonly scheduler: Scheduler
  private readonly onCompacted: (docId: string, result: CompactionResult) => void

  constructor(options: CompactorOptions) {
    this.storage = options.storage
    this.logger = options.logger
    this.scheduler = options.scheduler ?? eventLoop
    this.onCompacted = options.onCompacted ?? (() => {})
  }

  /** Queues a compaction; `done` gets the result, or null if it failed or was skipped. */
  request(docId: string, done: (result: CompactionResult | null) => void = () => {}): void {
    if (this.stopped || this.queued.has(docId)) return
    this.queued.add(docId)
    this.queue.push({ docId, done })
    this.runNext()
  }

  isQueued(docId: string): boolean {
    return this.queued.has(docId)
  }

  /** Stops taking work; resolves when the running compaction (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const job of this.queue.splice(0)) job.done(null)
    await this.running
  }

  private runNext(): void {
    if (this.running || this.stopped) return
    const job = this.queue.shift()
    if (!job) return
    this.running = new Promise((finished) => {
      this.scheduler.defer(async () => {
        let result: CompactionResult | null = null
        try {
          result = await this.storage.compact(job.docId, mergeIntoSnapshot)
          this.logger.debug({ docId: job.docId, ...result }, 'compacted update log')
          this.onCompacted(job.docId, result)
        } catch (err) {
          this.logger.error({ err, docId: job.docId }, 'compaction failed; the log is kept as it was')
        } finally {
          this.queued.delete(job.docId)
          this.running = null
          finished()
          job.done(result)
          this.runNext()
        }
      })
    })
  }
}
