import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { HttpError, parseBody, readJson, sendJson } from '../http/respond'
import { WEBHOOK_EVENTS } from './events'
import type { DeliveryRecord, Endpoint, OutboxStore } from './outbox-store'
import { newWebhookSecret } from './signing'
import { checkWebhookUrl, type UrlPolicy, WebhookUrlError } from './url-policy'

/**
 * The webhooks part of the admin API (authenticated by server/http/admin-api.ts):
 *   POST   /api/admin/webhooks {url, events?}    register → 201, with its secret (shown only here)
 *   GET    /api/admin/webhooks                   list (without secrets)
 *   GET    /api/admin/webhooks/<id>              one endpoint (without its secret)
 *   DELETE /api/admin/webhooks/<id>              remove it and its deliveries → 204
 *   GET    /api/admin/webhooks/<id>/deliveries   its most recent deliveries (?limit=, default 50)
 */
export interface WebhookAdminDeps {
  readonly store: OutboxStore
  readonly policy: UrlPolicy
  readonly now: () => number
  /** DNS for the registration check (tests may pass their own). */
  readonly resolve?: (host: string) => Promise<string[]>
}

const registerBody = z
  .object({
    url: z.string().min(1).max(2048),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1, 'give at least one event, or leave events out for all')
      .refine((events) => new Set(events).size === events.length, 'an event is listed twice')
      .optional(),
  })
  .strict()

const ID_PATTERN = /^ep_[A-Za-z0-9_-]{1,64}$|^env$/

function endpointJson(endpoint: Endpoint, withSecret = false) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events ?? [...WEBHOOK_EVENTS],
    ...(withSecret ? { secret: endpoint.secret } : {}),
    enabled: endpoint.enabled,
    ...(endpoint.disabledReason ? { disabledReason: endpoint.disabledReason } : {}),
    createdAt: new Date(endpoint.createdAt).toISOString(),
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

function deliveryJson(delivery: DeliveryRecord) {
  return {
    webhookId: delivery.id,
    event: delivery.event,
    documentId: delivery.documentId,
    occurredAt: iso(delivery.occurredAt),
    status: delivery.status,
    attempts: delivery.attempts,
    lastResponseStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    nextAttemptAt: iso(delivery.nextAttemptAt),
    finishedAt: iso(delivery.finishedAt),
  }
}

export class WebhookAdminRoutes {
  constructor(
    private readonly deps: WebhookAdminDeps,
    /** Called after a registration, so the dispatcher looks at once. */
    private readonly onChange: () => void = () => {},
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice('/api/admin/webhooks'.length)
    if (rest === '' || rest === '/') {
      if (req.method === 'GET') return sendJson(res, 200, { webhooks: (await this.deps.store.listEndpoints()).map((e) => endpointJson(e)) })
      if (req.method === 'POST') return this.register(req, res)
      throw new HttpError(405, `${req.method} is not allowed on /api/admin/webhooks`)
    }
    const [id = '', sub, ...extra] = rest.slice(1).split('/')
    if (!ID_PATTERN.test(id) || extra.length > 0) throw new HttpError(404, 'no such webhook')
    if (sub === 'deliveries') {
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed on /api/admin/webhooks/<id>/deliveries`)
      await this.endpoint(id)
      const limit = Number(url.searchParams.get('limit') ?? 50)
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'limit: a whole number from 1 to 500')
      const deliveries = await this.deps.store.deliveries(id, limit)
      return sendJson(res, 200, { deliveries: deliveries.map(deliveryJson) })
    }
    if (sub !== undefined) throw new HttpError(404, 'no such endpoint')
    if (req.method === 'GET') return sendJson(res, 200, endpointJson(await this.endpoint(id)))
    if (req.method === 'DELETE') {
      if (!(await this.deps.store.deleteEndpoint(id))) throw new HttpError(404, `no webhook ${id}`)
      res.writeHead(204).end()
      return
    }
    throw new HttpError(405, `${req.method} is not allowed on /api/admin/webhooks/<id>`)
  }

  private async register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseBody(registerBody, await readJson(req))
    try {
      await checkWebhookUrl(body.url, this.deps.policy, this.deps.resolve)
    } catch (err) {
      if (err instanceof WebhookUrlError) throw new HttpError(422, err.message, 'UnsafeUrl')
      throw err
    }
    const endpoint: Endpoint = {
      id: `ep_${randomBytes(12).toString('base64url')}`,
      url: body.url,
      secret: newWebhookSecret(),
      events: body.events ?? null,
      enabled: true,
      disabledReason: null,
      createdAt: this.deps.now(),
    }
    await this.deps.store.createEndpoint(endpoint)
    this.onChange()
    sendJson(res, 201, endpointJson(endpoint, true))
  }

  private async endpoint(id: string): Promise<Endpoint> {
    const endpoint = await this.deps.store.getEndpoint(id)
    if (!endpoint) throw new HttpError(404, `no webhook ${id}`)
    return endpoint
  }
}
