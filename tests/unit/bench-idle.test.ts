import { describe, expect, it } from 'vitest'
import { idleConnectionCount } from '../../bench/scenarios/idle'

describe('the idle benchmark sizes itself to the open-files limit', () => {
  it('holds 100,000 connections where the limit allows, whole thousands below it otherwise', () => {
    expect(idleConnectionCount(Number.POSITIVE_INFINITY)).toBe(100_000)
    expect(idleConnectionCount(1_048_576)).toBe(100_000)
    // This kind of machine: a hard limit of 20,000 descriptors per process.
    expect(idleConnectionCount(20_000)).toBe(19_000)
    expect(idleConnectionCount(65_536)).toBe(64_000)
    // Never fewer than a thousand, even where the limit is the old default of 1,024.
    expect(idleConnectionCount(1_024)).toBe(1_000)
  })
})
