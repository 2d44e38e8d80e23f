import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'

/** A new endpoint secret in the Standard Webhooks form: "whsec_" and 24 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`
}

/** Secrets as Standard Webhooks writes them (what TANDEM_WEBHOOK_SECRET must look like). */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/

export interface SignedHeaders {
  readonly 'webhook-id': string
  readonly 'webhook-timestamp': string
  readonly 'webhook-signature': string
}

/**
 * The Standard Webhooks headers of one attempt: `v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body`. The id is the delivery's (the same on every retry, so receivers can
 * drop duplicates); the timestamp is the attempt's (receivers refuse stale ones).
 */
export function signDelivery(secret: string, id: string, at: Date, body: string): SignedHeaders {
  const signature = new Webhook(secret).sign(id, at, body)
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature }
}
