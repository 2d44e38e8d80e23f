import type http from 'node:http'
import { EMBED_ORIGINS_HEADER, type EmbedOrigins, formatEmbedOrigins } from '../../lib/protocol/embed-messages'
import type { RequestFallback } from './listener'

/**
 * Who may embed `/embed/<docId>` [H10]: the listed origins (`TANDEM_EMBED_ORIGINS`); without a
 * list, any page in open mode and none with auth on (a document behind tokens is not shown in
 * a stranger's frame by default).
 */
export function embedOrigins(config: { embedOrigins: readonly string[]; authEnabled: boolean }): EmbedOrigins {
  if (config.embedOrigins.length > 0) return config.embedOrigins
  return config.authEnabled ? [] : '*'
}

/** The `frame-ancestors` directive for those origins. */
export function frameAncestors(origins: EmbedOrigins): string {
  if (origins === '*') return 'frame-ancestors *'
  return origins.length === 0 ? "frame-ancestors 'none'" : `frame-ancestors ${origins.join(' ')}`
}

function isEmbedPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/embed' || url.startsWith('/embed/') || url.startsWith('/embed?'))
}

/**
 * Wraps the app's request handler: `/embed/*` answers carry the CSP `frame-ancestors`, and the
 * page learns the same origins from a request header it reads while rendering (so its
 * postMessage bridge talks to exactly the hosts the browser lets embed it). A client's own
 * copy of that header is always removed first: only the server sets it.
 */
export function withEmbedPolicy(origins: EmbedOrigins, handler: RequestFallback): RequestFallback {
  const policy = frameAncestors(origins)
  const value = formatEmbedOrigins(origins)
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    delete req.headers[EMBED_ORIGINS_HEADER]
    if (isEmbedPath(req.url)) {
      req.headers[EMBED_ORIGINS_HEADER] = value
      res.setHeader('Content-Security-Policy', policy)
    }
    handler(req, res)
  }
}
