import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { AuthError } from '../auth/auth-error'
import type { Metrics } from '../metrics'
import type { AdminApi } from './admin-api'
import type { DocsApi } from './docs-api'
import { handleHealth, handleReady, type ReadinessCheck } from './health'
import { HttpError, sendJson, sendText } from './respond'
import type { TokenApi } from './token-api'

export interface HttpRoutesDeps {
  readonly docsApi: DocsApi
  readonly tokenApi: TokenApi
  readonly adminApi: AdminApi
  readonly readiness: readonly ReadinessCheck[]
  readonly metrics: Metrics
  readonly logger: Logger
}

/**
 * The sync server's own HTTP routes. Returns false for any other path, so the app's request
 * handler (Next.js) can take it.
 */
export function createHttpRoutes(deps: HttpRoutesDeps) {
  function fail(res: ServerResponse, err: unknown, req: IncomingMessage, path: string): void {
    if (err instanceof AuthError) return sendJson(res, err.status, { error: err.message, reason: err.failure })
    if (err instanceof HttpError) {
      return sendJson(res, err.status, err.reason === undefined ? { error: err.message } : { error: err.message, reason: err.reason })
    }
    deps.logger.error({ err, path, method: req.method }, 'request failed')
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
    else res.destroy()
  }

  function run(req: IncomingMessage, res: ServerResponse, path: string, handler: () => Promise<void>): true {
    handler().catch((err: unknown) => fail(res, err, req, path))
    return true
  }

  return function handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    switch (path) {
      case '/healthz':
        handleHealth(res)
        return true
      case '/readyz':
        return run(req, res, path, () => handleReady(res, deps.readiness))
      case '/metrics':
        return run(req, res, path, async () => sendText(res, 200, deps.metrics.contentType.split(';')[0]!, await deps.metrics.render()))
      case '/api/tokens':
        return run(req, res, path, () => deps.tokenApi.exchange(req, res))
      case '/api/session':
        return run(req, res, path, () => deps.tokenApi.session(req, res))
    }
    if (path === '/api/docs' || path.startsWith('/api/docs/')) return run(req, res, path, () => deps.docsApi.handle(req, res, url))
    if (path.startsWith('/api/admin/')) return run(req, res, path, () => deps.adminApi.handle(req, res, url))
    return false
  }
}
