import type { Cancel, Scheduler } from '../../server/scheduler'

interface Timer {
  readonly due: number
  /** Creation order: timers due at the same moment run in the order they were set. */
  readonly order: number
  readonly task: () => void
  cancelled: boolean
}

/**
 * A Scheduler that does nothing by itself: deferred tasks wait in a queue until the test runs
 * them, and timers wait on a clock that moves only when the test moves it. Nothing depends on
 * how fast the machine is, so a test decides the interleaving and a failure replays exactly.
 */
export class ManualScheduler implements Scheduler {
  private clock = 0
  private nextOrder = 0
  private readonly deferred: Array<() => void> = []
  private timers: Timer[] = []

  now(): number {
    return this.clock
  }

  defer(task: () => void): void {
    this.deferred.push(task)
  }

  delay(ms: number, task: () => void): Cancel {
    const timer: Timer = { due: this.clock + Math.max(0, ms), order: this.nextOrder++, task, cancelled: false }
    this.timers.push(timer)
    return () => {
      timer.cancelled = true
    }
  }

  /** Deferred tasks waiting to run. */
  get deferredTasks(): number {
    return this.deferred.length
  }

  /** Timers set and neither run nor cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length
  }

  /** Runs the oldest deferred task (setImmediate order); false if there is none. */
  runDeferred(): boolean {
    const task = this.deferred.shift()
    if (!task) return false
    task()
    return true
  }

  /**
   * Runs the earliest timer due at or before `until`, first moving the clock to its due time;
   * false if there is none.
   */
  runTimerUntil(until: number): boolean {
    this.timers = this.timers.filter((timer) => !timer.cancelled)
    let next: Timer | null = null
    for (const timer of this.timers) {
      if (timer.due > until) continue
      if (!next || timer.due < next.due || (timer.due === next.due && timer.order < next.order)) next = timer
    }
    if (!next) return false
    this.timers.splice(this.timers.indexOf(next), 1)
    this.clock = Math.max(this.clock, next.due)
    next.task()
    return true
  }

  /** Moves the clock forward to `time` without running anything (runTimerUntil runs what is due). */
  moveTo(time: number): void {
    this.clock = Math.max(this.clock, time)
  }
}

/**
 * Lets every promise continuation that is ready run. Storage calls resolve in microtasks, and
 * nothing in the rooms uses real timers when they run on a ManualScheduler, so after this the
 * system waits only for what the test controls.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
