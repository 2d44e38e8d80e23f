import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_DELAYS_MS, parseDelays, RETRY_JITTER, retryDelay } from '../../server/webhooks/backoff'
import { dueThresholds, MAX_DELAY_MS, QUIET_MS } from '../../server/webhooks/debounce'

describe('webhook retry schedule', () => {
  it("[W8] follows Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then none", () => {
    const noJitter = () => 0
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempts) => retryDelay(attempts, DEFAULT_RETRY_DELAYS_MS, noJitter))
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, null])
  })

  it('[W8] adds at most 20% jitter, never less than the base delay', () => {
    expect(retryDelay(1, DEFAULT_RETRY_DELAYS_MS, () => 0.999_999)).toBeLessThanOrEqual(5_000 * (1 + RETRY_JITTER))
    expect(retryDelay(2, DEFAULT_RETRY_DELAYS_MS, () => 0.5)).toBe(330_000)
  })

  it('[W8] parses the configured schedule and names a bad entry', () => {
    expect(parseDelays('5s,5m,30m,2h,5h,10h,10h')).toEqual(DEFAULT_RETRY_DELAYS_MS)
    expect(parseDelays('100ms, 1.5s')).toEqual([100, 1_500])
    expect(() => parseDelays('5s,soon')).toThrow(/"soon"/)
  })

  it('[W7] a dirty mark is due after 2 s of quiet or once its first change is (almost) 10 s old', () => {
    expect(QUIET_MS).toBe(2_000)
    expect(MAX_DELAY_MS).toBe(10_000)
    expect(dueThresholds(100_000, 500)).toEqual({ lastBefore: 98_000, firstBefore: 90_500 })
  })
})
