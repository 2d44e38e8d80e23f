/**
 * A token bucket: `ratePerSecond` tokens drip in continuously up to `capacity`. Taking may
 * drive the level below zero (a message is only measured after it arrived); the caller then
 * waits `debtMs()` before reading more, which holds the long-run rate to the limit.
 */
export class TokenBucket {
  private level: number
  private updatedAt: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.level = capacity
    this.updatedAt = this.now()
  }

  /** Takes `amount`; returns false when the bucket is now in debt. */
  take(amount: number): boolean {
    this.refill()
    this.level -= amount
    return this.level >= 0
  }

  /** Milliseconds until the level is back to zero (0 when not in debt). */
  debtMs(): number {
    this.refill()
    return this.level >= 0 ? 0 : Math.ceil((-this.level / this.ratePerSecond) * 1000)
  }

  private refill(): void {
    const now = this.now()
    this.level = Math.min(this.capacity, this.level + ((now - this.updatedAt) / 1000) * this.ratePerSecond)
    this.updatedAt = now
  }
}
