/**
 * When a failed delivery is tried again: Standard Webhooks' schedule. The first attempt goes at
 * once; after each failure the next waits the listed delay (plus jitter); after the last one
 * the delivery is marked failed. Eight attempts over about 27 hours.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
]

/** Up to this share of a delay is added at random, so endpoints coming back are not stampeded. */
export const RETRY_JITTER = 0.2

/**
 * The wait before the next attempt after `attempts` failed ones, or null when none is left.
 * `random` is in [0, 1).
 */
export function retryDelay(attempts: number, delays: readonly number[], random: () => number): number | null {
  const base = delays[attempts - 1]
  if (base === undefined) return null
  return Math.round(base * (1 + RETRY_JITTER * random()))
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }

/** Parses "5s, 5m, 30m, 2h" (units ms, s, m, h) into milliseconds; throws on anything else. */
export function parseDelays(text: string): number[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(item)
      if (!match) throw new Error(`${JSON.stringify(item)} is not a duration such as 500ms, 5s, 5m or 2h`)
      return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number))
    })
}
