/**
 * Time as the server's own timers see it: per-connection rate limits, heartbeats, the close
 * grace of sockets and the shutdown drain. Production uses `systemClock`; tests pass a clock
 * they advance by hand, so rules about time are checked without waiting for it.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale: only differences between two readings mean anything. */
  now(): number
  /**
   * Calls `callback` once, `ms` from now, unless the returned function is called first.
   * `keepAlive: false` is for housekeeping that must not hold the process open on its own.
   */
  after(ms: number, callback: () => void, options?: TimerOptions): Cancel
}

export interface TimerOptions {
  /** Whether the pending call keeps the process running (default true). */
  readonly keepAlive?: boolean
}

/** Cancels a pending call; calling it again, or after the call ran, does nothing. */
export type Cancel = () => void

export const systemClock: Clock = {
  now: () => performance.now(),
  after(ms, callback, options = {}) {
    const timer = setTimeout(callback, ms)
    if (options.keepAlive === false) timer.unref()
    return () => clearTimeout(timer)
  },
}
