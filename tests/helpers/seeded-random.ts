/**
 * A tiny seeded PRNG for fuzz and crash tests, so a failing run can be replayed with its seed.
 *
 * The seed fixes the *choices* a test makes (which edit, where, when to disconnect, when to
 * kill). Where the test also decides delivery — the room harness (RoomHarness.flush with an
 * Rng) and sockets that hold frames until released (HeldSocket) — it fixes the interleaving
 * too. Where the OS schedules sockets and processes on its own (crash tests), a replay follows
 * the same script but not necessarily the same interleaving.
 */

/** mulberry32: 32-bit state, full period 2^32, good enough for test scripts (not for crypto). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Rng {
  readonly seed: number
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [0, maxExclusive); 0 when maxExclusive <= 0. */
  int(maxExclusive: number): number
  /** Uniform integer in [min, max] (both inclusive). */
  between(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K
  /** A string of `length` characters drawn from `alphabet`. */
  string(length: number, alphabet?: string): string
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed)
  const int = (maxExclusive: number) => (maxExclusive <= 0 ? 0 : Math.floor(next() * maxExclusive))
  return {
    seed,
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[int(items.length)] as T
    },
    weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as Array<[K, number]>
      const total = entries.reduce((sum, [, w]) => sum + w, 0)
      let roll = next() * total
      for (const [key, weight] of entries) {
        roll -= weight
        if (roll < 0) return key
      }
      return (entries.at(-1) as [K, number])[0]
    },
    string(length, alphabet = 'abcdefghijklmnopqrstuvwxyzäö€😀 ') {
      // Array.from splits by code point, so multi-unit characters are drawn whole.
      const chars = Array.from(alphabet)
      let out = ''
      for (let i = 0; i < length; i++) out += chars[int(chars.length)]
      return out
    },
  }
}

/**
 * The seeds a test runs with: `defaults`, unless the environment variable names others.
 * `NAME=1234` or `NAME=1,2,3` runs those seeds; `NAME=random` runs one fresh seed (printed by
 * the caller, so a failure can be replayed).
 */
export function seedsFromEnv(name: string, defaults: readonly number[]): number[] {
  const raw = process.env[name]?.trim()
  if (!raw) return [...defaults]
  if (raw === 'random') return [Math.floor(Math.random() * 2 ** 32) >>> 0]
  const seeds = raw.split(',').map((part) => Number(part.trim()))
  if (seeds.some((s) => !Number.isSafeInteger(s) || s < 0)) {
    throw new Error(`${name} must be "random" or comma-separated non-negative integers, got ${JSON.stringify(raw)}`)
  }
  return seeds.map((s) => s >>> 0)
}
