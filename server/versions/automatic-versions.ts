import type { Log } from '../rooms/log'
import type { Cancel, Scheduler } from '../scheduler'

export interface AutomaticVersionsOptions {
  /** At most one automatic version per document per this many ms; 0 turns them off. */
  readonly intervalMs: number
  readonly scheduler: Scheduler
  readonly logger: Log
  /** Saves an automatic version of the document if it changed (see VersionService). */
  readonly take: (docId: string) => Promise<void>
}

/**
 * When automatic versions are taken: a document's first change after its last version starts
 * a timer of one interval, and the version is taken when it runs. So a document edited without
 * pause gets one version per interval, the end of an editing session is always captured (at
 * most one interval later), and a document nobody edits gets none. Timers live in memory: a
 * change pending when the server stops is captured after the next change.
 */
export class AutomaticVersions {
  private readonly due = new Map<string, Cancel>()
  private readonly running = new Set<Promise<void>>()
  private stopped = false

  constructor(private readonly options: AutomaticVersionsOptions) {}

  get enabled(): boolean {
    return this.options.intervalMs > 0
  }

  /** A change of the document was stored. */
  changed(docId: string): void {
    if (!this.enabled || this.stopped || this.due.has(docId)) return
    const cancel = this.options.scheduler.delay(this.options.intervalMs, () => this.run(docId), { keepAlive: false })
    this.due.set(docId, cancel)
  }

  /** Documents with a version due (for tests and inspection). */
  get pending(): number {
    return this.due.size
  }

  private run(docId: string): void {
    // Removed first: a change stored while the version is taken starts the next interval.
    this.due.delete(docId)
    const task = this.options
      .take(docId)
      .catch((err: unknown) => this.options.logger.warn({ err, docId }, 'could not save an automatic version'))
      .finally(() => this.running.delete(task))
    this.running.add(task)
  }

  /** Cancels the timers and waits for the versions being saved. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const cancel of this.due.values()) cancel()
    this.due.clear()
    await Promise.all([...this.running])
  }
}
