import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { rejectUpgrade } from '../transport/refusal'

/** Serves a request the sync server does not (the app's pages). */
export type RequestFallback = (req: http.IncomingMessage, res: http.ServerResponse) => void
/** Takes an upgrade the sync server does not (Next's hot reload). */
export type UpgradeFallback = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void

export interface Fallbacks {
  readonly request?: RequestFallback
  readonly upgrade?: UpgradeFallback
}

export interface HttpListenerOptions {
  readonly port: number
  readonly host: string
  /** A request or upgrade must arrive complete within this time (B6, slowloris). */
  readonly handshakeTimeoutMs: number
  readonly logger: Logger
  /** Serves the sync server's own routes; false for any other path. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean
  /** Takes an upgrade on a sync path; false for any other path. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** A client missed the handshake deadline (`tandem_limit_hits_total{kind="handshake_timeout"}`). */
  onHandshakeTimeout(): void
}

const NOT_FOUND = { status: 404, reason: 'not_found', message: 'not found' }

/**
 * The HTTP server in front of everything: the sync server's routes and upgrades first, then
 * the fallbacks (Next.js), then 404. It owns the slowloris deadlines and Node's answers to
 * malformed requests.
 */
export class HttpListener {
  private server: http.Server | null = null

  constructor(private readonly options: HttpListenerOptions) {}

  /** Creates the server and listens on port/host; resolves with the bound address. */
  listen(fallbacks: Fallbacks = {}): Promise<AddressInfo> {
    const { handshakeTimeoutMs, logger } = this.options
    // Node checks the deadlines below only every connectionsCheckingInterval.
    const checkEvery = Math.max(50, Math.min(1_000, Math.floor(handshakeTimeoutMs / 4)))
    const server = http.createServer({ connectionsCheckingInterval: checkEvery }, (req, res) => {
      if (this.options.handleRequest(req, res)) return
      if (fallbacks.request) return fallbacks.request(req, res)
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }))
    })
    // Slowloris: a request (or upgrade) must arrive complete within the handshake deadline.
    server.headersTimeout = handshakeTimeoutMs
    server.requestTimeout = Math.max(handshakeTimeoutMs, 30_000)
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      // Node's own answers, kept; the handshake deadline is a limit, so it is counted.
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        this.options.onHandshakeTimeout()
        logger.info('closing a connection that did not complete its request in time')
      }
      if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy()
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`)
    })
    server.on('upgrade', (req, socket, head) => {
      if (this.options.handleUpgrade(req, socket, head)) return
      if (fallbacks.upgrade) return fallbacks.upgrade(req, socket, head)
      rejectUpgrade(socket, NOT_FOUND)
    })
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject)
        resolve(server.address() as AddressInfo)
      })
    })
  }

  /**
   * Stops taking new TCP connections (idle keep-alive ones close); requests and upgrades
   * already under way on open connections are still answered.
   */
  stopListening(): void {
    this.server?.close()
  }

  /** Cuts every connection still open (the last step of a shutdown). */
  closeAllConnections(): void {
    this.server?.closeAllConnections()
  }
}
