import type { Logger } from 'pino'
import type { Cancel, Scheduler } from '../scheduler'
import { retryDelay } from './backoff'
import { dueThresholds } from './debounce'
import { payloadBody } from './events'
import type { AttemptOutcome, ClaimedDelivery, OutboxStore } from './outbox-store'
import type { AttemptResult, SendOptions } from './sender'
import { signDelivery } from './signing'
import type { UrlPolicy } from './url-policy'

export interface DispatcherOptions {
  readonly store: OutboxStore
  readonly logger: Logger
  /** Timers (the event loop in production, a manual scheduler in tests). */
  readonly scheduler: Scheduler
  /** Wall-clock ms since the epoch: what the outbox stores (shared by servers). */
  readonly now: () => number
  readonly random: () => number
  readonly send: (options: SendOptions) => Promise<AttemptResult>
  readonly policy: UrlPolicy
  /** Delays between attempts (backoff.ts); their count + 1 is the number of attempts. */
  readonly retryDelaysMs: readonly number[]
  readonly timeoutMs: number
  /** How often the outbox is looked at when nothing wakes the dispatcher sooner. */
  readonly pollMs?: number
  /** Attempts in flight at once (each a different endpoint and document). */
  readonly concurrency?: number
  readonly onAttempt?: (result: 'delivered' | 'retry' | 'failed' | 'gone') => void
}

/** Finished deliveries are kept this long for the admin API, then pruned. */
const KEEP_FINISHED_MS = 7 * 24 * 3_600_000
const PRUNE_EVERY_MS = 3_600_000

/**
 * Sends what the outbox holds: turns due dirty marks into events, claims due deliveries (the
 * oldest pending one per endpoint and document, so each pair goes in order), signs and POSTs
 * them, and stores each outcome. At least once: a delivery is marked done only after its
 * receiver answered 2xx, so a crash in between sends it again.
 */
export class WebhookDispatcher {
  private readonly pollMs: number
  private readonly concurrency: number
  private timer: Cancel | null = null
  private running: Promise<void> | null = null
  private again = false
  private stopped = true
  private inFlight = 0
  private lastPrune = Number.NEGATIVE_INFINITY
  private failing = false
  private restWaiters: Array<() => void> = []

  constructor(private readonly options: DispatcherOptions) {
    this.pollMs = options.pollMs ?? 500
    this.concurrency = options.concurrency ?? 8
  }

  start(): void {
    this.stopped = false
    this.wake()
  }

  /** Looks at the outbox now (something was just written). */
  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.timer?.()
    this.timer = null
    this.running = this.round().finally(() => {
      this.running = null
      if (this.stopped) {
        this.again = false
      } else if (this.again) {
        this.again = false
        this.wake()
      } else {
        this.timer = this.options.scheduler.delay(this.pollMs, () => this.wake(), { keepAlive: false })
      }
      this.notifyIfAtRest()
    })
  }

  /**
   * Resolves once the dispatcher is at rest: no pass over the outbox running (nor one asked
   * for meanwhile) and no attempt in flight. The server never waits for this; tests on a
   * manual clock do, so that they move time, or check that nothing was sent, only once the
   * pass that time started has finished, however long that takes on a busy machine.
   */
  settled(): Promise<void> {
    if (this.atRest) return Promise.resolve()
    return new Promise((resolve) => this.restWaiters.push(resolve))
  }

  /**
   * Stops claiming. Attempts in flight are not waited for: one whose outcome cannot be stored
   * any more is simply sent again after the restart (at least once).
   */
  async stop(): Promise<void> {
    this.stopped = true
    this.timer?.()
    this.timer = null
    await this.running
  }

  private get atRest(): boolean {
    return this.running === null && this.inFlight === 0
  }

  private notifyIfAtRest(): void {
    if (!this.atRest) return
    for (const resolve of this.restWaiters.splice(0)) resolve()
  }

  private async round(): Promise<void> {
    const { store, logger } = this.options
    try {
      const now = this.options.now()
      await store.promoteDirty(dueThresholds(now, this.pollMs))
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now
        await store.prune(now - KEEP_FINISHED_MS)
      }
      const free = this.concurrency - this.inFlight
      if (free <= 0) return
      // A claim outlives the longest attempt, so nobody else takes it while it runs.
      const claimed = await store.claim(now, free, now + this.options.timeoutMs + 30_000)
      for (const delivery of claimed) {
        this.inFlight++
        void this.attempt(delivery).finally(() => {
          this.inFlight--
          // The next delivery of this endpoint and document may go now.
          this.wake()
          this.notifyIfAtRest()
        })
      }
      if (this.failing) {
        this.failing = false
        logger.info('webhook outbox reachable again')
      }
    } catch (err) {
      // Once per outage, not twice a second.
      if (!this.failing) logger.warn({ err }, 'webhook outbox not reachable; will retry')
      this.failing = true
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { logger } = this.options
    const body = payloadBody(delivery.event, delivery.documentId, delivery.occurredAt, delivery.data)
    const headers = signDelivery(delivery.secret, delivery.id, new Date(this.options.now()), body)
    const result = await this.options.send({
      url: delivery.url,
      headers: { ...headers },
      body,
      timeoutMs: this.options.timeoutMs,
      policy: this.options.policy,
    })
    const outcome = this.outcomeOf(delivery, result)
    this.options.onAttempt?.(outcome.kind)
    const log = { webhookId: delivery.id, endpoint: delivery.endpointId, event: delivery.event, docId: delivery.documentId }
    if (outcome.kind === 'delivered') logger.debug(log, 'webhook delivered')
    else logger.info({ ...log, attempt: delivery.attempts + 1, result, outcome: outcome.kind }, 'webhook attempt failed')
    try {
      await this.options.store.settle(delivery, outcome, this.options.now())
    } catch (err) {
      // The claim lapses and the delivery is sent again (at least once).
      logger.warn({ err, webhookId: delivery.id }, 'could not store a webhook attempt')
    }
  }

  private outcomeOf(delivery: ClaimedDelivery, result: AttemptResult): AttemptOutcome {
    const status = 'status' in result ? result.status : null
    const error = 'error' in result ? result.error : `answered ${status}`
    if (status !== null && status >= 200 && status < 300) return { kind: 'delivered', status }
    if (status === 410) return { kind: 'gone' }
    const delay = retryDelay(delivery.attempts + 1, this.options.retryDelaysMs, this.options.random)
    if (delay === null) return { kind: 'failed', status, error }
    return { kind: 'retry', nextAt: this.options.now() + delay, status, error }
  }
}
