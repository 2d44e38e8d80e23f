/**
 * Noticing a dead connection, and coming back from one without a stampede.
 *
 * Browsers never surface WebSocket pings, and a dropped network (a pulled cable, a sleeping
 * laptop, a proxy that swallows the socket) closes nothing: the socket just goes quiet. The
 * server therefore sends a no-op message every heartbeat interval (4 s by default, server SPEC
 * A4), and the watchdog here calls the connection dead when nothing at all has arrived for
 * `silenceMs` (9 s by default: two intervals and a quarter, so one lost keepalive is forgiven
 * with a second to spare, and a cut is noticed within 9 s of the last message, under 10 s).
 *
 * Reconnecting uses exponential backoff with full jitter: a retry waits a uniformly random time
 * in [0, min(maxMs, baseMs * 2^(attempt - 1))), so clients cut off together (a server restart)
 * come back spread over the window instead of all at once.
 *
 * Time and randomness are injected, so the tests run without waiting.
 */

export interface LivenessClock {
  /** Wall-clock milliseconds (Date.now): it keeps running while the machine sleeps. */
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: LivenessClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface LivenessOptions {
  /** Nothing heard from the server for this long: the connection is dead (default 9 s). */
  silenceMs?: number
  /** A timer that fires this much later than asked means the machine slept (default 30 s). */
  sleepMs?: number
  /** First retry window (default 500 ms); it doubles with each failed attempt… */
  backoffBaseMs?: number
  /** …up to this (default 15 s). */
  backoffMaxMs?: number
}

export const DEFAULT_SILENCE_MS = 9_000
export const DEFAULT_SLEEP_MS = 30_000
export const DEFAULT_BACKOFF_BASE_MS = 500
export const DEFAULT_BACKOFF_MAX_MS = 15_000

/**
 * How long retry number `attempt` (1 for the first) waits: full jitter, uniformly in
 * [0, min(maxMs, baseMs * 2^(attempt - 1))). `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const window = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * window)
}

export interface Watchdog {
  /** A socket is opening or opened: start (again) expecting messages within `silenceMs`. */
  opened(): void
  /** Anything at all arrived from the server. */
  heard(): void
  /** The socket closed: stop watching. */
  closed(): void
  /** Check now (the tab became visible, the network came back): timers may have been held back. */
  check(): void
  dispose(): void
}

/**
 * Calls `onSilent` once per open socket when the server has said nothing for `silenceMs`.
 * `slept` is true when the machine was asleep meanwhile (a timer ran `sleepMs` or more late,
 * or a check found the clock far ahead), so the caller can resync at once instead of backing off.
 */
export function createWatchdog(options: {
  silenceMs: number
  sleepMs: number
  clock: LivenessClock
  onSilent: (info: { silentMs: number; slept: boolean }) => void
}): Watchdog {
  const { silenceMs, sleepMs, clock, onSilent } = options
  let watching = false
  let lastHeard = 0
  let timer: unknown = null
  let dueAt = 0

  const clear = () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
  }
  const arm = () => {
    clear()
    // `Infinity` turns the watchdog off (a server that sends no keepalive); a timer for it
    // would fire at once: browsers clamp delays above 2^31 - 1 ms to 1 ms.
    if (!Number.isFinite(silenceMs)) return
    dueAt = lastHeard + silenceMs
    timer = clock.setTimeout(
      () => {
        timer = null
        evaluate(clock.now() - dueAt >= sleepMs)
      },
      Math.max(0, dueAt - clock.now()),
    )
  }
  const evaluate = (slept: boolean) => {
    if (!watching) return
    const silentMs = clock.now() - lastHeard
    if (silentMs >= silenceMs) {
      watching = false
      clear()
      onSilent({ silentMs, slept: slept || silentMs >= silenceMs + sleepMs })
    } else {
      arm()
    }
  }
  return {
    opened() {
      watching = true
      lastHeard = clock.now()
      arm()
    },
    heard() {
      // Re-arming on every message would cost a timer per keystroke; the timer re-arms itself
      // from the latest `lastHeard` when it fires early.
      lastHeard = clock.now()
    },
    closed() {
      watching = false
      clear()
    },
    check() {
      if (watching) evaluate(false)
    },
    dispose() {
      watching = false
      clear()
    },
  }
}

/** Retries with jittered exponential backoff; `attempt` counts failures since the last success. */
export interface Retrier {
  /** Schedules `connect` after the next backoff delay (replacing a pending one). */
  schedule(): number
  /** Runs a pending retry now (the browser is online again, the tab woke up); false if none. */
  now(): boolean
  /** The connection synced: the next failure starts from the first window again. */
  succeeded(): void
  cancel(): void
  readonly pending: boolean
  readonly attempt: number
}

export function createRetrier(options: {
  connect: () => void
  baseMs: number
  maxMs: number
  clock: LivenessClock
  random?: () => number
}): Retrier {
  const { connect, baseMs, maxMs, clock } = options
  const random = options.random ?? Math.random
  let attempt = 0
  let timer: unknown = null
  const cancel = () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
  }
  const fire = () => {
    timer = null
    connect()
  }
  return {
    schedule() {
      cancel()
      attempt++
      const delay = backoffDelay(attempt, baseMs, maxMs, random)
      timer = clock.setTimeout(fire, delay)
      return delay
    },
    now() {
      if (timer === null) return false
      cancel()
      connect()
      return true
    },
    succeeded() {
      attempt = 0
    },
    cancel,
    get pending() {
      return timer !== null
    },
    get attempt() {
      return attempt
    },
  }
}
