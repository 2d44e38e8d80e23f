import type { EventData, WebhookEventType } from './events'

/**
 * The durable outbox, in the documents' own database (one implementation per backend:
 * sqlite-outbox.ts, postgres-outbox.ts). Events caused by storage operations (created,
 * deleted, the dirty marks behind updated and renamed) are written by the storage itself in
 * the transaction of the change; this interface is the dispatcher's and the admin API's side.
 *
 * One row per (event, endpoint) in webhook_deliveries, its id the `webhook-id` of every
 * attempt. Rows of one endpoint and document are delivered in the order they were written:
 * only the oldest pending one of each pair is ever claimed.
 */
export interface Endpoint {
  readonly id: string
  readonly url: string
  readonly secret: string
  /** null: every event. */
  readonly events: readonly WebhookEventType[] | null
  readonly enabled: boolean
  /** Why it was disabled (a 410 Gone), null while enabled. */
  readonly disabledReason: string | null
  readonly createdAt: number
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface DeliveryRecord {
  readonly id: string
  readonly endpointId: string
  readonly documentId: string
  readonly event: WebhookEventType
  readonly occurredAt: number
  readonly status: DeliveryStatus
  readonly attempts: number
  readonly nextAttemptAt: number | null
  readonly lastStatus: number | null
  readonly lastError: string | null
  readonly finishedAt: number | null
}

/** A delivery claimed for one attempt, with what the attempt needs. */
export interface ClaimedDelivery {
  readonly id: string
  readonly endpointId: string
  readonly url: string
  readonly secret: string
  readonly documentId: string
  readonly event: WebhookEventType
  readonly occurredAt: number
  readonly data: EventData
  /** Attempts made before this one. */
  readonly attempts: number
}

/** How an attempt ended, as stored. */
export type AttemptOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'retry'; readonly nextAt: number; readonly status: number | null; readonly error: string | null }
  | { readonly kind: 'failed'; readonly status: number | null; readonly error: string | null }
  /** The receiver answered 410 Gone: the endpoint is disabled and its pending deliveries fail. */
  | { readonly kind: 'gone' }

export interface DirtyRule {
  /** Marks whose last change is at or before this are due (quiet long enough). */
  readonly lastBefore: number
  /** Marks whose first change is at or before this are due (waited long enough). */
  readonly firstBefore: number
}

export interface OutboxStore {
  createEndpoint(endpoint: Endpoint): Promise<void>
  /** Creates or replaces (url, secret, re-enabled) the endpoint with this id. */
  upsertEndpoint(endpoint: Endpoint): Promise<void>
  listEndpoints(): Promise<Endpoint[]>
  getEndpoint(id: string): Promise<Endpoint | null>
  /** Removes the endpoint and its deliveries; false when there was none. */
  deleteEndpoint(id: string): Promise<boolean>
  /** Writes an event for every enabled endpoint subscribed to it (the versions listener). */
  recordEvent(docId: string, event: WebhookEventType, data: EventData, now: number): Promise<void>
  /** Turns due dirty marks into document.renamed / document.updated rows; resolves with how many marks. */
  promoteDirty(rule: DirtyRule): Promise<number>
  /** Claims up to `limit` due deliveries (each the oldest pending of its endpoint and document) until `leaseUntil`. */
  claim(now: number, limit: number, leaseUntil: number): Promise<ClaimedDelivery[]>
  /** Stores how an attempt ended (attempts + 1) and releases the claim. */
  settle(delivery: ClaimedDelivery, outcome: AttemptOutcome, now: number): Promise<void>
  /** An endpoint's most recent deliveries, newest first. */
  deliveries(endpointId: string, limit: number): Promise<DeliveryRecord[]>
  /** Deliveries still to be made, and dirty marks not yet turned into events. */
  backlog(): Promise<{ pending: number; dirty: number }>
  /** Deletes finished deliveries older than `before`. */
  prune(before: number): Promise<number>
}
