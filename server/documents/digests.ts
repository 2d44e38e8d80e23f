import type * as Y from 'yjs'
import type { Log } from '../rooms/log'
import type { Cancel, Scheduler } from '../scheduler'
import type { Storage } from '../storage/storage'
import { digestOf, storedDoc } from './digest'

/** A document's digest is computed once its edits pause this long… */
export const DIGEST_QUIET_MS = 2_000
/** …or once its first change not yet digested is this old, however busy it is. */
export const DIGEST_MAX_DELAY_MS = 10_000
/**
 * Resolves after the event loop has handled what is waiting (sockets, timers). Storage reads
 * may resolve without ever leaving the microtask queue (SQLite is synchronous), so fifty due
 * digests would otherwise run back to back in one turn and hold every delivery for their sum
 * (the fan-out benchmark saw its p99 go from 13 ms to 370 ms). A real turn of the loop, whatever
 * the injected scheduler: this is about I/O getting through, not about time.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Stale digests the start-up catch-up asks storage for at a time. */
const CATCH_UP_BATCH = 50

export interface DocumentDigestsOptions {
  readonly storage: Storage
  readonly scheduler: Scheduler
  /** Wall-clock milliseconds (what storage stamps updates with). */
  readonly now: () => number
  readonly logger: Log
  /**
   * The document's Y.Doc when it is loaded on this server and holds exactly what is stored
   * (nothing pending); null otherwise, and storage is read. A loaded document is digested from
   * memory: rebuilding it from storage (snapshot plus a log of hundreds of updates) costs
   * milliseconds of event loop per document, and a busy server digests every edited document
   * every DIGEST_MAX_DELAY_MS.
   */
  readonly loadedDoc?: (docId: string) => Y.Doc | null
}

interface Due {
  /** scheduler.now() of the first change this digest will cover, and of the newest. */
  readonly firstChange: number
  lastChange: number
  editor: string | undefined
  cancel: Cancel
}

/**
 * Keeps each document's digest (list preview, search text, last editor, whether it has
 * content; storage.ts DocumentDigest) up to date off the commit path: a stored change marks the
 * document, and the digest is computed from what storage holds once edits pause (or at the
 * latest DIGEST_MAX_DELAY_MS after the first change), one document at a time. Timers live in
 * memory; a digest lost to a stop or a crash is older than its document's last update, and
 * `catchUp` (run at start) recomputes those — all but the editor's name, which only an edit brings.
 */
export class DocumentDigests {
  private readonly due = new Map<string, Due>()
  /** Digests run one after another: a later run of a document never loses to an earlier one. */
  private queue: Promise<void> = Promise.resolve()
  private stopped = false

  constructor(private readonly options: DocumentDigestsOptions) {}

  /**
   * A change of the document, made by `editor` when known, was stored. Called on every commit,
   * so it only notes the time: the one timer of a document checks, when it fires, whether
   * edits went on meanwhile and waits the rest (no timer is replaced per keystroke).
   */
  changed(docId: string, editor: string | undefined): void {
    if (this.stopped) return
    const now = this.options.scheduler.now()
    const entry = this.due.get(docId)
    if (entry) {
      entry.lastChange = now
      if (editor !== undefined) entry.editor = editor
      return
    }
    this.due.set(docId, { firstChange: now, lastChange: now, editor, cancel: this.wake(docId, DIGEST_QUIET_MS) })
  }

  private wake(docId: string, ms: number): Cancel {
    return this.options.scheduler.delay(ms, () => this.check(docId), { keepAlive: false })
  }

  /** The timer fired: compute the digest if edits paused (or waited long enough), else wait on. */
  private check(docId: string): void {
    const entry = this.due.get(docId)
    if (!entry) return
    const dueAt = Math.min(entry.lastChange + DIGEST_QUIET_MS, entry.firstChange + DIGEST_MAX_DELAY_MS)
    const wait = dueAt - this.options.scheduler.now()
    if (wait > 0) entry.cancel = this.wake(docId, wait)
    else this.run(docId)
  }

  /** Documents with a digest waiting (for tests and inspection). */
  get pending(): number {
    return this.due.size
  }

  /** Resolves when every digest started so far is stored. */
  settled(): Promise<void> {
    return this.queue
  }

  /** Recomputes, in the background, every digest older than its document (see the class note). */
  catchUp(): void {
    this.enqueue(async () => {
      const tried = new Set<string>()
      while (!this.stopped) {
        // Each document once: one whose digest cannot be computed stays stale, and is skipped.
        const stale = (await this.options.storage.staleDigests(CATCH_UP_BATCH)).filter((id) => !tried.has(id))
        if (stale.length === 0) return
        for (const docId of stale) {
          tried.add(docId)
          await yieldToEventLoop()
          await this.compute(docId, undefined).catch((err: unknown) => this.warn(err, docId))
        }
      }
    })
  }

  /**
   * Computes the digests still waiting right away (so a restart keeps who edited last), waits
   * for them, and takes no more changes.
   */
  async stop(): Promise<void> {
    for (const [docId, entry] of [...this.due]) {
      entry.cancel()
      this.run(docId)
    }
    this.stopped = true
    this.due.clear()
    await this.queue
  }

  private run(docId: string): void {
    const entry = this.due.get(docId)
    // Removed first: a change stored while this one runs schedules the next.
    this.due.delete(docId)
    this.enqueue(() => this.compute(docId, entry?.editor).catch((err: unknown) => this.warn(err, docId)))
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(yieldToEventLoop)
      .then(task)
      .catch((err: unknown) => this.warn(err))
  }

  private warn(err: unknown, docId?: string): void {
    this.options.logger.warn({ err, docId }, 'could not update a document digest')
  }

  private async compute(docId: string, editor: string | undefined): Promise<void> {
    // Stamped before reading: an update stored meanwhile is newer, so its digest counts as stale.
    const at = this.options.now()
    const loaded = this.options.loadedDoc?.(docId)
    if (loaded) {
      await this.options.storage.saveDigest(docId, { ...digestOf(loaded), lastEditor: editor }, at)
      return
    }
    const stored = await this.options.storage.load(docId)
    const doc = storedDoc(stored)
    try {
      await this.options.storage.saveDigest(docId, { ...digestOf(doc), lastEditor: editor }, at)
    } finally {
      doc.destroy()
    }
  }
}
