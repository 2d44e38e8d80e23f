import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../../server/limits/token-bucket'

describe('token bucket', () => {
  it('[B2][B3] spends its capacity at once, goes into debt beyond it, and refills at its rate on the clock it is given', () => {
    let now = 0
    const bucket = new TokenBucket(10, 5, () => now)
    for (let i = 0; i < 5; i++) expect(bucket.take(1)).toBe(true)
    expect(bucket.debtMs()).toBe(0)
    expect(bucket.take(2)).toBe(false)
    // Two tokens short at 10 per second: 200 ms.
    expect(bucket.debtMs()).toBe(200)
    now = 150
    expect(bucket.debtMs()).toBe(50)
    now = 200
    expect(bucket.debtMs()).toBe(0)
    // Refills no further than its capacity, however long it waits.
    now = 60_000
    for (let i = 0; i < 5; i++) expect(bucket.take(1)).toBe(true)
    expect(bucket.take(1)).toBe(false)
  })
})
