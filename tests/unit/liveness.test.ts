import * as decoding from 'lib0/decoding'
import { describe, expect, it } from 'vitest'
import { Awareness, applyAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { backoffDelay, createRetrier, createWatchdog, type LivenessClock } from '../../lib/client/liveness'
import { KEEPALIVE_FRAME } from '../../lib/protocol'
import { mulberry32 } from '../helpers/seeded-random'

/** A clock whose timers run when time is advanced past them; `jump` moves time without running any (sleep). */
function fakeClock(start = 1_000_000) {
  let now = start
  let nextId = 1
  const timers = new Map<number, { at: number; callback: () => void }>()
  const clock: LivenessClock = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = nextId++
      timers.set(id, { at: now + ms, callback })
      return id
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  }
  return {
    clock,
    pending: () => timers.size,
    advance(ms: number) {
      const end = now + ms
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        timers.delete(due[0])
        now = Math.max(now, due[1].at)
        due[1].callback()
      }
      now = end
    },
    jump(ms: number) {
      now += ms
    },
  }
}

describe('backoff with full jitter', () => {
  it('the window doubles from the base up to the cap, and the delay is uniform within it', () => {
    const windows = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(attempt, 500, 15_000, () => 0.999_999) + 1)
    expect(windows).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000])
    expect(backoffDelay(3, 500, 15_000, () => 0)).toBe(0)
    expect(backoffDelay(3, 500, 15_000, () => 0.5)).toBe(1_000)
  })

  it('fifty clients that fail together retry spread over the window, not together', () => {
    const random = mulberry32(9)
    const delays = Array.from({ length: 50 }, () => backoffDelay(2, 500, 15_000, random)).sort((a, b) => a - b)
    expect(delays[0]).toBeGreaterThanOrEqual(0)
    expect(delays.at(-1)).toBeLessThan(1_000)
    expect(delays.at(-1)! - delays[0]!).toBeGreaterThan(800)
    // No 100 ms slice of the 1 s window holds more than a fraction of them.
    const crowd = Math.max(...delays.map((d) => delays.filter((e) => e >= d && e < d + 100).length))
    expect(crowd).toBeLessThan(15)
  })
})

describe('retrier', () => {
  it('counts failures, resets on success, and retries at once when asked', () => {
    const t = fakeClock()
    let connects = 0
    const retrier = createRetrier({ connect: () => connects++, baseMs: 500, maxMs: 15_000, clock: t.clock, random: () => 0.5 })
    expect(retrier.schedule()).toBe(250)
    t.advance(249)
    expect(connects).toBe(0)
    t.advance(1)
    expect(connects).toBe(1)
    expect(retrier.schedule()).toBe(500)
    expect(retrier.schedule()).toBe(1_000) // rescheduling replaces the pending retry
    expect(retrier.pending).toBe(true)
    expect(retrier.now()).toBe(true) // online again / tab visible: no waiting
    expect(connects).toBe(2)
    t.advance(60_000)
    expect(connects).toBe(2)
    expect(retrier.now()).toBe(false)
    retrier.succeeded()
    expect(retrier.schedule()).toBe(250)
    retrier.cancel()
    t.advance(60_000)
    expect(connects).toBe(2)
  })
})

describe('watchdog', () => {
  const setup = (silenceMs = 10_000, sleepMs = 30_000) => {
    const t = fakeClock()
    const calls: Array<{ silentMs: number; slept: boolean }> = []
    const watchdog = createWatchdog({ silenceMs, sleepMs, clock: t.clock, onSilent: (info) => calls.push(info) })
    return { t, calls, watchdog }
  }

  it('a server heard every 4 s is never taken for dead', () => {
    const { t, calls, watchdog } = setup()
    watchdog.opened()
    for (let i = 0; i < 50; i++) {
      t.advance(4_000)
      watchdog.heard()
    }
    expect(calls).toEqual([])
  })

  it('silenceMs: Infinity turns it off without arming any timer', () => {
    const { t, calls, watchdog } = setup(Number.POSITIVE_INFINITY)
    watchdog.opened()
    expect(t.pending()).toBe(0)
    t.advance(3_600_000)
    watchdog.check()
    expect(calls).toEqual([])
  })

  it('calls the connection dead exactly silenceMs after the last message, once', () => {
    const { t, calls, watchdog } = setup()
    watchdog.opened()
    t.advance(3_000)
    watchdog.heard()
    t.advance(9_999)
    expect(calls).toEqual([])
    t.advance(1)
    expect(calls).toEqual([{ silentMs: 10_000, slept: false }])
    t.advance(60_000)
    expect(calls).toHaveLength(1)
    expect(t.pending()).toBe(0)
  })

  it('stops watching when the socket closes, and starts afresh on the next open', () => {
    const { t, calls, watchdog } = setup()
    watchdog.opened()
    t.advance(5_000)
    watchdog.closed()
    t.advance(60_000)
    expect(calls).toEqual([])
    watchdog.opened()
    t.advance(10_000)
    expect(calls).toEqual([{ silentMs: 10_000, slept: false }])
  })

  it('after the machine slept, says so (the caller resyncs at once instead of backing off)', () => {
    const { t, calls, watchdog } = setup()
    watchdog.opened()
    t.advance(2_000)
    t.jump(3_600_000) // an hour asleep: no timer ran meanwhile
    t.advance(0)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.slept).toBe(true)
  })

  it('check() finds a dead socket at once when timers ran late (a hidden tab), and leaves a live one', () => {
    const { t, calls, watchdog } = setup()
    watchdog.opened()
    t.jump(5_000)
    watchdog.check()
    expect(calls).toEqual([])
    t.jump(6_000)
    watchdog.check()
    expect(calls).toEqual([{ silentMs: 11_000, slept: false }])
  })
})

describe('the server keepalive', () => {
  it('is an awareness update with zero entries, which a stock client applies as a no-op', () => {
    expect([...KEEPALIVE_FRAME]).toEqual([1, 1, 0])
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    awareness.setLocalState({ user: { name: 'Ada' } })
    const before = JSON.stringify([...awareness.getStates()])
    let events = 0
    awareness.on('change', () => events++)
    awareness.on('update', () => events++)
    const decoder = decoding.createDecoder(KEEPALIVE_FRAME)
    expect(decoding.readVarUint(decoder)).toBe(1) // messageAwareness
    applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), 'server')
    expect(events).toBe(0)
    expect(JSON.stringify([...awareness.getStates()])).toBe(before)
    awareness.destroy()
    doc.destroy()
  })
})
