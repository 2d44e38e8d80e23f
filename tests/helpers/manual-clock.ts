import type { Cancel, Scheduler } from '../../server/scheduler'

interface PendingCall {
  readonly at: number
  readonly order: number
  readonly callback: () => void
}

/**
 * A scheduler whose clock moves only when the test says so (its deferred turns are the event
 * loop's, for tests with real sockets; tests/helpers/manual-scheduler.ts holds those too). Calls fall due in time order (calls due at
 * the same instant in the order they were scheduled), each run with `now()` at its own due
 * time, so a server on this clock sees exactly the instants the test chose, however long the
 * real sockets take in between.
 */
export class ManualClock implements Scheduler {
  private time = 0
  private order = 0
  private readonly pending = new Set<PendingCall>()

  now(): number {
    return this.time
  }

  /** Later turns stay the event loop's: the real sockets around this clock keep flowing. */
  defer(task: () => void): void {
    setImmediate(task)
  }

  delay(ms: number, callback: () => void): Cancel {
    const call: PendingCall = { at: this.time + Math.max(0, ms), order: this.order++, callback }
    this.pending.add(call)
    return () => void this.pending.delete(call)
  }

  /** Moves time forward by `ms`, running every call that falls due on the way (also calls scheduled meanwhile). */
  advance(ms: number): void {
    const until = this.time + ms
    for (let call = this.nextDue(until); call; call = this.nextDue(until)) {
      this.pending.delete(call)
      this.time = call.at
      call.callback()
    }
    this.time = until
  }

  /** Due times of the calls still pending, soonest first. */
  dueTimes(): number[] {
    return [...this.pending].map((call) => call.at).sort((a, b) => a - b)
  }

  private nextDue(until: number): PendingCall | undefined {
    let next: PendingCall | undefined
    for (const call of this.pending) {
      if (call.at > until) continue
      if (!next || call.at < next.at || (call.at === next.at && call.order < next.order)) next = call
    }
    return next
  }
}

/**
 * Moves `clock` forward by `ms` one due call at a time, awaiting `settle` before each move: what
 * a call started (a pass over an outbox, a delivery) finishes at the instant it fell due, as on
 * an idle machine, however long it takes in real time.
 */
export async function advanceSettled(clock: ManualClock, ms: number, settle: () => Promise<void>): Promise<void> {
  const until = clock.now() + ms
  await settle()
  for (let next = clock.dueTimes()[0]; next !== undefined && next <= until; next = clock.dueTimes()[0]) {
    clock.advance(next - clock.now())
    await settle()
  }
  clock.advance(until - clock.now())
}

/**
 * Waits for `promise` while moving `clock` forward `stepMs` at a time, letting real I/O run
 * between steps: for work that waits on both sockets and the clock (a server's shutdown).
 */
export async function settleWithClock<T>(clock: ManualClock, promise: Promise<T>, stepMs = 50): Promise<T> {
  let settled = false
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  void outcome.then(() => {
    settled = true
  })
  while (!settled) {
    clock.advance(stepMs)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const result = await outcome
  if ('error' in result) throw result.error
  return result.value
}
