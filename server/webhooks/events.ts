/**
 * What webhooks announce. Payloads are thin on purpose: they say what happened to which
 * document and who did it, never the content (a receiver that wants it asks the REST API,
 * with its own credentials).
 */
export const WEBHOOK_EVENTS = [
  'document.created',
  'document.updated',
  'document.renamed',
  'document.deleted',
  'version.created',
  'document.restored',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number]

export function isWebhookEvent(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENTS as readonly string[]).includes(value)
}

/** The fields of `data` besides `documentId`; stored as JSON with each delivery. */
export interface EventData {
  /** The document's log position (PostgreSQL numbers its updates, D12). */
  readonly seq?: number
  /** Names of the users who edited since the last event, when known (token names). */
  readonly users?: readonly string[]
  /** The new title (document.renamed). */
  readonly title?: string
  readonly versionId?: string
  readonly [key: string]: unknown
}

export interface WebhookPayload {
  readonly type: WebhookEventType
  /** ISO 8601, when the event happened. */
  readonly timestamp: string
  readonly data: { readonly documentId: string } & EventData
}

/** The body sent for an event: the same bytes on every attempt, so its id and body match. */
export function payloadBody(type: WebhookEventType, docId: string, occurredAt: number, data: EventData): string {
  const payload: WebhookPayload = { type, timestamp: new Date(occurredAt).toISOString(), data: { documentId: docId, ...data } }
  return JSON.stringify(payload)
}

/**
 * How the endpoints' subscriptions are stored: "*" for every event, else the names between
 * commas (",document.created,document.deleted,"), so one `strpos`/`instr` in SQL matches.
 */
export function encodeSubscription(events: readonly WebhookEventType[] | null): string {
  return events === null ? '*' : `,${events.join(',')},`
}

export function decodeSubscription(stored: string): WebhookEventType[] {
  if (stored === '*') return [...WEBHOOK_EVENTS]
  return stored.split(',').filter(isWebhookEvent)
}

/** A version of a document, as the versions service describes it to listeners. */
export interface VersionInfo {
  readonly id: string
  /** The log position the version captures, when known. */
  readonly seq?: number
  readonly label?: string | null
  /** Name of the user who made it, when known. */
  readonly createdBy?: string | null
}

/** A restore of a document to an earlier version. */
export interface RestoreInfo {
  readonly versionId: string
  /** Name of the user who restored it, when known. */
  readonly restoredBy?: string | null
}

/**
 * What the versions service calls when it has stored a version or restored one; each call
 * writes the matching events to the outbox (resolved once they are stored).
 */
export interface VersionEventsListener {
  versionCreated(docId: string, version: VersionInfo): Promise<void>
  documentRestored(docId: string, info: RestoreInfo): Promise<void>
}
