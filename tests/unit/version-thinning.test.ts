import { describe, expect, it } from 'vitest'
import { type ThinnableVersion, versionsToThin } from '../../server/versions/thinning'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** A fixed instant on an hour and day boundary (2026-01-10T00:00:00Z). */
const NOW = Date.UTC(2026, 0, 10)

const auto = (id: string, createdAt: number): ThinnableVersion => ({ id, createdAt, automatic: true, name: null })

/** Automatic versions every `step` ms, from `fromAgo` (inclusive) back to `toAgo` (exclusive) before NOW. */
function every(step: number, fromAgo: number, toAgo: number): ThinnableVersion[] {
  const versions: ThinnableVersion[] = []
  for (let ago = fromAgo; ago < toAgo; ago += step) versions.push(auto(`v${ago / MINUTE}`, NOW - ago))
  return versions
}

function kept(versions: readonly ThinnableVersion[], now = NOW): ThinnableVersion[] {
  const doomed = new Set(versionsToThin(versions, now))
  return versions.filter((v) => !doomed.has(v.id))
}

describe('version thinning', () => {
  it('keeps every version of the last 24 hours', () => {
    const versions = every(10 * MINUTE, 0, DAY)
    expect(versions).toHaveLength(144)
    expect(versionsToThin(versions, NOW)).toEqual([])
  })

  it('keeps the newest version of each hour between 24 hours and 7 days old', () => {
    // From 24 h 10 min to 6 days 23 h 50 min old: 144 whole clock hours of six versions each.
    const versions = every(10 * MINUTE, DAY + 10 * MINUTE, 7 * DAY)
    const left = kept(versions)
    expect(left).toHaveLength(6 * 24)
    // One per clock hour, and it is the newest of its hour (ten minutes before the next hour).
    const hours = left.map((v) => Math.floor(v.createdAt / HOUR))
    expect(new Set(hours).size).toBe(left.length)
    for (const v of left) expect(v.createdAt % HOUR).toBe(50 * MINUTE)
  })

  it('keeps the newest version of each day after 7 days', () => {
    // From 7 days 1 hour to 37 days old: 30 whole UTC days of 24 versions each.
    const versions = every(HOUR, 7 * DAY + HOUR, 37 * DAY + HOUR)
    const left = kept(versions)
    expect(left).toHaveLength(30)
    for (const v of left) expect(v.createdAt % DAY).toBe(23 * HOUR)
  })

  it('never deletes a named or hand-made version', () => {
    const named: ThinnableVersion = { id: 'named', createdAt: NOW - 3 * DAY - 5 * MINUTE, automatic: true, name: 'Draft sent to Ana' }
    const manual: ThinnableVersion = { id: 'manual', createdAt: NOW - 20 * DAY, automatic: false, name: null }
    const versions = [...every(MINUTE, 3 * DAY - 30 * MINUTE, 3 * DAY + 30 * MINUTE), named, manual, auto('old-a', NOW - 20 * DAY + 1)]
    const left = new Set(kept(versions).map((v) => v.id))
    expect(left.has('named')).toBe(true)
    expect(left.has('manual')).toBe(true)
    // The named one does not stand in for its hour: that hour still keeps an automatic version.
    expect(left.has('old-a')).toBe(true)
    expect([...left].filter((id) => id.startsWith('v'))).toHaveLength(2)
  })

  it('is stable: thinning again later deletes only what aged into a wider slot', () => {
    const versions = every(10 * MINUTE, 0, 10 * DAY)
    const once = kept(versions)
    expect(versionsToThin(once, NOW)).toEqual([])
    // An hour later: the hour that turned 24 hours old keeps one of its six (5 deleted), and
    // the hour that turned 7 days old shares its day with the day's kept version (1 deleted).
    const later = kept(once, NOW + HOUR)
    expect(once.length - later.length).toBe(6)
    // A day later, the hour slots that turned 7 days old collapse into one day.
    const dayLater = kept(later, NOW + HOUR + DAY)
    expect(dayLater.length).toBeLessThan(later.length)
    expect(versionsToThin(dayLater, NOW + HOUR + DAY)).toEqual([])
  })

  it('bounds a document edited all day, every day, to 144 + about 144 + one per day', () => {
    const versions = every(10 * MINUTE, 0, 30 * DAY)
    // The last day (144), its hours up to 7 days (145: the version exactly 24 h old starts a
    // slot of its own), and one per day after (24: likewise the one exactly 7 days old).
    expect(kept(versions)).toHaveLength(144 + 145 + 24)
  })
})
