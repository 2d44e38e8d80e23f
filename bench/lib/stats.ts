/** Small statistics helpers: percentiles of raw samples and summaries over repetitions. */

/** Percentile p (0–100) of an ascending array, nearest-rank; NaN when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

export function sortNumbers(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values as ArrayLike<number>)
  copy.sort()
  return copy
}

export interface LatencySummary {
  readonly n: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

export function latencySummary(values: ArrayLike<number>): LatencySummary {
  const sorted = sortNumbers(values)
  let sum = 0
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!
  return {
    n: sorted.length,
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  }
}

/** Median and spread (min–max) of one metric over repetitions. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 }
  const mid = finite.length >> 1
  const median = finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2
  return { median, min: finite[0]!, max: finite[finite.length - 1]!, n: finite.length }
}

export function median(values: readonly number[]): number {
  return spread(values).median
}

/** A growable Float64Array: latency samples without boxing. */
export class SampleBuffer {
  private data = new Float64Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = value
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length)
  }
}
