import { describe, expect, it } from 'vitest'
import { CommitQueue } from '../../server/rooms/commit-queue'
import type { Log } from '../../server/rooms/log'
import { MemoryStorage } from '../../server/storage/memory'
import { GatedStorage } from '../helpers/gated-storage'
import { ManualScheduler, settle } from '../helpers/manual-scheduler'

/** The commit queue on a manual scheduler: "the end of the turn" and the retry timers are the test's to run. */

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }

function setup(options: { retryDelayMs?: number; maxRetryDelayMs?: number; batchWindowMs?: number } = {}) {
  const scheduler = new ManualScheduler()
  const storage = new GatedStorage(new MemoryStorage())
  const queue = new CommitQueue({ storage, logger: quiet, scheduler, now: () => 1_000, ...options })
  const committed: string[] = []
  const enqueue = (docId: string, byte: number) =>
    queue.enqueue(docId, new Uint8Array([byte]), undefined, () => committed.push(`${docId}:${byte}`))
  /** Runs the deferred tasks and lets storage answer, until nothing is left. */
  async function runTurns(): Promise<void> {
    await settle()
    while (scheduler.runDeferred()) await settle()
  }
  /** Moves the clock to `time`, running the timers due by then. */
  async function advanceTo(time: number): Promise<void> {
    await runTurns()
    while (scheduler.runTimerUntil(time)) await runTurns()
    scheduler.moveTo(time)
  }
  return { scheduler, storage, queue, committed, enqueue, runTurns, advanceTo }
}

describe('commit queue', () => {
  it('[D6] everything queued in one turn, for any documents, is one append at the end of the turn, in arrival order per document', async () => {
    const { scheduler, storage, queue, committed, enqueue, runTurns } = setup()
    enqueue('a', 1)
    enqueue('b', 2)
    enqueue('a', 3)
    expect(storage.appendCalls).toBe(0)
    expect(scheduler.deferredTasks).toBe(1)
    expect(queue.pending).toBe(3)
    await runTurns()
    expect(storage.appendCalls).toBe(1)
    expect(committed).toEqual(['a:1', 'b:2', 'a:3'])
    expect((await storage.load('a')).updates).toEqual([new Uint8Array([1]), new Uint8Array([3])])
    expect(queue.pending).toBe(0)
  })

  it('[D6] what arrives while a batch is in flight waits for it and goes in the next one', async () => {
    const { storage, committed, enqueue, runTurns } = setup()
    const release = storage.holdAppends()
    enqueue('a', 1)
    await runTurns()
    enqueue('a', 2)
    enqueue('a', 3)
    await runTurns()
    expect(storage.appendCalls).toBe(1)
    expect(committed).toEqual([])
    release()
    await runTurns()
    expect(storage.appendCalls).toBe(2)
    expect(committed).toEqual(['a:1', 'a:2', 'a:3'])
  })

  it('[D7] a failed batch is retried after 50 ms, doubling to at most 5 s; callers hear of nothing until it is stored, in order', async () => {
    const { scheduler, storage, queue, committed, enqueue, runTurns, advanceTo } = setup()
    storage.failNextAppends = 9
    enqueue('a', 1)
    await runTurns()
    expect(storage.appendCalls).toBe(1)
    let drained = false
    void queue.drain().then(() => (drained = true))
    // Arrives after the failure: stays behind the failed batch.
    enqueue('a', 2)
    let at = 0
    for (const delay of [50, 100, 200, 400, 800, 1600, 3200, 5000, 5000]) {
      const calls = storage.appendCalls
      await advanceTo(at + delay - 1)
      expect(storage.appendCalls, `no retry before ${at + delay} ms`).toBe(calls)
      await advanceTo(at + delay)
      expect(storage.appendCalls, `a retry at ${at + delay} ms`).toBe(calls + 1)
      at += delay
      if (storage.failNextAppends > 0) expect(committed).toEqual([])
    }
    expect(scheduler.now()).toBe(16_350)
    expect(committed).toEqual(['a:1', 'a:2'])
    await settle()
    expect(drained).toBe(true)
    expect((await storage.load('a')).updates).toEqual([new Uint8Array([1]), new Uint8Array([2])])
  })

  it('[D7][S1] flushNow commits at once instead of waiting out the retry delay', async () => {
    const { scheduler, storage, committed, enqueue, runTurns, queue } = setup()
    storage.failNextAppends = 1
    enqueue('a', 1)
    await runTurns()
    expect(scheduler.pendingTimers).toBe(1)
    const flushed = queue.flushNow()
    await runTurns()
    await flushed
    expect(scheduler.pendingTimers).toBe(0)
    expect(scheduler.now()).toBe(0)
    expect(committed).toEqual(['a:1'])
  })
  it('[D15] an idle queue commits at the end of the turn; under load a batch starts a window after the last and carries everything that arrived meanwhile', async () => {
    const { scheduler, storage, committed, enqueue, runTurns, advanceTo } = setup({ batchWindowMs: 5 })
    enqueue('a', 1)
    expect(scheduler.deferredTasks).toBe(1)
    await runTurns()
    // No wait when idle: stored at the end of its turn, at time 0.
    expect(storage.appendCalls).toBe(1)
    expect(committed).toEqual(['a:1'])
    // Arrivals during the next 5 ms, over several turns and documents, wait for one batch.
    await advanceTo(1)
    enqueue('a', 2)
    await runTurns()
    await advanceTo(3)
    enqueue('b', 3)
    enqueue('a', 4)
    await advanceTo(4)
    expect(storage.appendCalls).toBe(1)
    expect(committed).toEqual(['a:1'])
    await advanceTo(5)
    expect(storage.appendCalls).toBe(2)
    expect(committed).toEqual(['a:1', 'a:2', 'b:3', 'a:4'])
    expect((await storage.load('a')).updates).toEqual([new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([4])])
    // Quiet for longer than the window: the next update is committed in its own turn again.
    await advanceTo(20)
    enqueue('a', 5)
    await runTurns()
    expect(storage.appendCalls).toBe(3)
    expect(scheduler.now()).toBe(20)
    expect(committed.at(-1)).toBe('a:5')
  })

  it('[D15][S1] flushNow commits at once instead of waiting out the window', async () => {
    const { scheduler, committed, enqueue, runTurns, queue } = setup({ batchWindowMs: 50 })
    enqueue('a', 1)
    await runTurns()
    enqueue('a', 2)
    await runTurns()
    expect(scheduler.pendingTimers).toBe(1)
    const flushed = queue.flushNow()
    await runTurns()
    await flushed
    expect(scheduler.pendingTimers).toBe(0)
    expect(scheduler.now()).toBe(0)
    expect(committed).toEqual(['a:1', 'a:2'])
  })
})
