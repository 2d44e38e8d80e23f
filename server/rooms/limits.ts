/** Presence limits, per connection (see the README's configuration table). */
export interface PresenceLimits {
  /** Relayed presence updates per second; beyond it updates are coalesced, latest wins. */
  readonly maxAwarenessPerSecond: number
  /** Largest JSON state one client may publish. */
  readonly maxAwarenessStateBytes: number
}

/** Reports limit hits (metrics); rooms know nothing else of observability. */
export type LimitHitReporter = (kind: string) => void
