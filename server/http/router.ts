import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { AuthError } from '../auth/auth-error'
import type { Metrics } from '../metrics'
import type { AdminApi } from './admin-api'
import type { DocsApi } from './docs-api'
import { createEmbedAssetRoutes } from './embed-script'
import { handleHealth, handleReady, type ReadinessCheck } from './health'
import { openApiDocument } from './openapi'
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
  const openApi = openApiDocument()
  const embedAssets = createEmbedAssetRoutes()
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

  /** The read-only routes: anything but GET (or HEAD) is answered 405 before the handler runs. */
  const readOnly: Record<string, (res: ServerResponse) => Promise<void> | void> = {
    '/healthz': (res) => handleHealth(res),
    '/readyz': (res) => handleReady(res, deps.readiness),
    '/metrics': async (res) => sendText(res, 200, deps.metrics.contentType.split(';')[0]!, await deps.metrics.render()),
    '/api/openapi.json': (res) => sendJson(res, 200, openApi),
  }

  return function handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    const read = readOnly[path]
    if (read) {
      return run(req, res, path, async () => {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed on ${path}`)
        await read(res)
      })
    }
    if (embedAssets.owns(path)) return run(req, res, path, () => embedAssets.serve(req, res, path))
    switch (path) {
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
