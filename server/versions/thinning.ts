const HOUR_MS = 60 * 60 * 1000
const DAY_MS = 24 * HOUR_MS

/** What thinning needs to know of a version. */
export interface ThinnableVersion {
  readonly id: string
  readonly createdAt: number
  readonly automatic: boolean
  readonly name: string | null
}

/**
 * Which automatic versions to delete so the history thins with age: every version of the last
 * 24 hours is kept, then one per hour up to 7 days old, then one per day. A version someone
 * saved or named is never deleted (and does not stand in for the automatic ones of its hour).
 *
 * Hours and days are fixed slots of the epoch (UTC), not counted back from `now`, and each keeps
 * its newest version: a version kept once stays kept until its slot widens from an hour to a
 * day, so running this after every save deletes each version at most once, never a whole run.
 */
export function versionsToThin(versions: readonly ThinnableVersion[], now: number): string[] {
  const keptPerSlot = new Map<string, ThinnableVersion>()
  const doomed: string[] = []
  // Newest first, so the first version seen in a slot is the one it keeps.
  const candidates = versions.filter((v) => v.automatic && v.name === null).sort((a, b) => b.createdAt - a.createdAt)
  for (const version of candidates) {
    const age = now - version.createdAt
    if (age < DAY_MS) continue
    const slot = age < 7 * DAY_MS ? `h${Math.floor(version.createdAt / HOUR_MS)}` : `d${Math.floor(version.createdAt / DAY_MS)}`
    if (keptPerSlot.has(slot)) doomed.push(version.id)
    else keptPerSlot.set(slot, version)
  }
  return doomed
}
