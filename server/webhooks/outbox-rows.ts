import { decodeSubscription, type EventData, encodeSubscription, type WebhookEventType } from './events'
import type { ClaimedDelivery, DeliveryRecord, DeliveryStatus, Endpoint } from './outbox-store'

/** Row shapes and their conversions, shared by both outbox stores (SQLite and PostgreSQL). */

export interface EndpointRow {
  id: string
  url: string
  secret: string
  events: string
  enabled: number | boolean
  disabled_reason: string | null
  created_at: number | string
}

export interface ClaimRow {
  id: string
  endpoint_id: string
  doc_id: string
  event: string
  occurred_at: number | string
  data: string
  attempts: number | string
  url: string
  secret: string
}

export function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    url: row.url,
    secret: row.secret,
    events: row.events === '*' ? null : decodeSubscription(row.events),
    enabled: Boolean(row.enabled),
    disabledReason: row.disabled_reason,
    createdAt: Number(row.created_at),
  }
}

export function toDeliveryRecord(row: {
  id: string
  endpoint_id: string
  doc_id: string
  event: string
  occurred_at: number | string
  status: string
  attempts: number
  next_at: number | string
  last_status: number | null
  last_error: string | null
  finished_at: number | string | null
}): DeliveryRecord {
  const status = row.status as DeliveryStatus
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    documentId: row.doc_id,
    event: row.event as WebhookEventType,
    occurredAt: Number(row.occurred_at),
    status,
    attempts: Number(row.attempts),
    nextAttemptAt: status === 'pending' ? Number(row.next_at) : null,
    lastStatus: row.last_status,
    lastError: row.last_error,
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  }
}

export const GONE_REASON = 'the receiver answered 410 Gone'

export function endpointParams(endpoint: Endpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    secret: endpoint.secret,
    events: encodeSubscription(endpoint.events),
    createdAt: endpoint.createdAt,
  }
}

export function toClaimed(row: ClaimRow): ClaimedDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    url: row.url,
    secret: row.secret,
    documentId: row.doc_id,
    event: row.event as WebhookEventType,
    occurredAt: Number(row.occurred_at),
    data: JSON.parse(row.data) as EventData,
    attempts: Number(row.attempts),
  }
}
