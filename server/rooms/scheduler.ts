/** Cancels a delayed task; does nothing once the task has run. */
export type Cancel = () => void

/**
 * Where the rooms get time and later turns from. Production runs on the event loop; tests pass
 * a scheduler they step by hand, so every interleaving of deliveries, commits and timers is
 * chosen by the test and replays exactly.
 */
export interface Scheduler {
  /** A monotonic clock in milliseconds (for rates and recency, not for stored timestamps). */
  now(): number
  /** Runs `task` in a later turn, after the I/O that is already waiting (`setImmediate`). */
  defer(task: () => void): void
  /** Runs `task` once `ms` milliseconds have passed (`setTimeout`). */
  delay(ms: number, task: () => void): Cancel
}

/** The Node event loop: `performance.now`, `setImmediate`, `setTimeout`. */
export const eventLoop: Scheduler = {
  now: () => performance.now(),
  defer(task) {
    setImmediate(task)
  },
  delay(ms, task) {
    const timer = setTimeout(task, ms)
    return () => clearTimeout(timer)
  },
}

/** Resolves in a later turn of `scheduler` (after what is already deferred). */
export function nextTurn(scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => scheduler.defer(resolve))
}
