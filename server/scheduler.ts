/** Cancels a pending task; calling it again, or after the task ran, does nothing. */
export type Cancel = () => void

export interface DelayOptions {
  /** Whether the pending task keeps the process running (default true); false for housekeeping. */
  readonly keepAlive?: boolean
}

/**
 * Where the server gets time and later turns from: commit batching, retries, presence
 * throttles, rate limits, heartbeats, close grace and the shutdown drain. Production runs on
 * the event loop; tests pass a scheduler they step by hand, so rules about time and order are
 * checked without waiting, and a failing interleaving replays exactly.
 */
export interface Scheduler {
  /** A monotonic clock in milliseconds: only differences between two readings mean anything. */
  now(): number
  /** Runs `task` in a later turn, after the I/O that is already waiting (`setImmediate`). */
  defer(task: () => void): void
  /** Runs `task` once, `ms` from now, unless the returned function is called first. */
  delay(ms: number, task: () => void, options?: DelayOptions): Cancel
}

/** The Node event loop: `performance.now`, `setImmediate`, `setTimeout`. */
export const eventLoop: Scheduler = {
  now: () => performance.now(),
  defer(task) {
    setImmediate(task)
  },
  delay(ms, task, options = {}) {
    const timer = setTimeout(task, ms)
    if (options.keepAlive === false) timer.unref()
    return () => clearTimeout(timer)
  },
}

/** Resolves in a later turn of `scheduler` (after what is already deferred). */
export function nextTurn(scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => scheduler.defer(resolve))
}
