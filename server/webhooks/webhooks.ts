import type { Logger } from 'pino'
import type { Scheduler } from '../scheduler'
import { WebhookAdminRoutes } from './admin-routes'
import { WebhookDispatcher } from './dispatcher'
import type { RestoreInfo, VersionEventsListener, VersionInfo } from './events'
import type { OutboxStore } from './outbox-store'
import { sendWebhook } from './sender'
import { checkWebhookUrl, type UrlPolicy, WebhookUrlError } from './url-policy'

/** The endpoint set by TANDEM_WEBHOOK_URL / TANDEM_WEBHOOK_SECRET, kept under this id. */
export const ENV_ENDPOINT_ID = 'env'

export interface WebhooksOptions {
  readonly store: OutboxStore
  readonly logger: Logger
  readonly scheduler: Scheduler
  readonly now: () => number
  readonly random: () => number
  readonly policy: UrlPolicy
  readonly retryDelaysMs: readonly number[]
  readonly timeoutMs: number
  readonly pollMs?: number
  /** The endpoint from the configuration (null: none, and one set before is removed). */
  readonly configured: { readonly url: string; readonly secret: string } | null
  readonly onAttempt?: (result: 'delivered' | 'retry' | 'failed' | 'gone') => void
}

/**
 * Signed webhooks: the admin routes, the dispatcher, and the listener the versions service
 * calls (version.created, document.restored). Document events are written by the storage
 * itself in the transaction of each change (server/storage/sqlite.ts, postgres.ts).
 */
export class Webhooks implements VersionEventsListener {
  readonly admin: WebhookAdminRoutes
  private readonly dispatcher: WebhookDispatcher

  constructor(private readonly options: WebhooksOptions) {
    this.dispatcher = new WebhookDispatcher({
      store: options.store,
      logger: options.logger,
      scheduler: options.scheduler,
      now: options.now,
      random: options.random,
      send: sendWebhook,
      policy: options.policy,
      retryDelaysMs: options.retryDelaysMs,
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs,
      onAttempt: options.onAttempt,
    })
    this.admin = new WebhookAdminRoutes({ store: options.store, policy: options.policy, now: options.now }, () => this.dispatcher.wake())
  }

  /** Applies the configured endpoint and starts delivering (what earlier runs left included). */
  async start(): Promise<void> {
    const { store, configured } = this.options
    if (configured) {
      try {
        await checkWebhookUrl(configured.url, this.options.policy)
      } catch (err) {
        if (!(err instanceof WebhookUrlError)) throw err
        throw new WebhookUrlError(`--webhook-url / TANDEM_WEBHOOK_URL: ${err.message}`)
      }
      const existing = await store.getEndpoint(ENV_ENDPOINT_ID)
      await store.upsertEndpoint({
        id: ENV_ENDPOINT_ID,
        url: configured.url,
        secret: configured.secret,
        events: null,
        enabled: true,
        disabledReason: null,
        createdAt: existing?.createdAt ?? this.options.now(),
      })
    } else {
      await store.deleteEndpoint(ENV_ENDPOINT_ID)
    }
    this.dispatcher.start()
  }

  /** Deliveries waiting and dirty marks not yet announced (metrics). */
  backlog(): Promise<{ pending: number; dirty: number }> {
    return this.options.store.backlog()
  }

  /**
   * Looks at the outbox now and resolves once that pass, and the attempts it started, are done.
   * The server relies on its own polls and wake-ups; tests on a manual clock call this to see
   * what the dispatcher does at one exact instant, whenever its next poll falls due.
   */
  dispatchNow(): Promise<void> {
    this.dispatcher.wake()
    return this.dispatcher.settled()
  }

  /** Resolves once no pass and no attempt is running (see WebhookDispatcher.settled). */
  settled(): Promise<void> {
    return this.dispatcher.settled()
  }

  async versionCreated(docId: string, version: VersionInfo): Promise<void> {
    await this.options.store.recordEvent(
      docId,
      'version.created',
      {
        versionId: version.id,
        ...(version.seq === undefined ? {} : { seq: version.seq }),
        ...(version.label ? { label: version.label } : {}),
        users: version.createdBy ? [version.createdBy] : [],
      },
      this.options.now(),
    )
    this.dispatcher.wake()
  }

  async documentRestored(docId: string, info: RestoreInfo): Promise<void> {
    await this.options.store.recordEvent(
      docId,
      'document.restored',
      { versionId: info.versionId, users: info.restoredBy ? [info.restoredBy] : [] },
      this.options.now(),
    )
    this.dispatcher.wake()
  }

  /** Stops claiming (shutdown). */
  close(): Promise<void> {
    return this.dispatcher.stop()
  }
}
