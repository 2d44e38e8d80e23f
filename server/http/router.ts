import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Storage } from '../storage/storage'
import type { DocsApi } from './docs-api'
import { handleHealth, handleReady } from './health'
import { HttpError, sendJson } from './respond'

export interface HttpRoutesDeps {
  readonly docsApi: DocsApi
  readonly storage: Storage
  readonly logger: Logger
}

/**
 * The sync server's own HTTP routes. Returns false for any other path, so the app's request
 * handler (Next.js) can take it.
 */
export function createHttpRoutes(deps: HttpRoutesDeps) {
  return function handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    if (path === '/healthz') {
      handleHealth(res)
      return true
    }
    if (path === '/readyz') {
      void handleReady(res, deps.storage)
      return true
    }
    if (path === '/api/docs' || path.startsWith('/api/docs/')) {
      deps.docsApi.handle(req, res, url).catch((err: unknown) => {
        if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message })
        deps.logger.error({ err, path, method: req.method }, 'request failed')
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' })
        else res.destroy()
      })
      return true
    }
    return false
  }
}
