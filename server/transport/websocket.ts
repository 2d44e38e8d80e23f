import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { WebSocket, WebSocketServer } from 'ws'
import { CloseCode, type CloseReason } from '../../lib/protocol'
import type { PeerSocket } from '../rooms/socket'

/**
 * The only module that knows about `ws`: HTTP upgrades, frame limits, heartbeats, and the
 * adapter from a WebSocket to the room's PeerSocket. It knows nothing of Yjs.
 */

/** What the transport hands each accepted socket to, and hears back from. */
export interface ConnectionHandler {
  receive(frame: Uint8Array): void
  /** Frame rules the transport enforces itself (text frames) go through here. */
  close(reason: CloseReason): void
  closed(reason: CloseReason): void
}

export interface UpgradeTarget {
  readonly docId: string
}

export interface SyncTransportOptions {
  readonly logger: Logger
  readonly maxMessageBytes: number
  readonly heartbeatMs: number
  /**
   * Maps an upgrade request to a document: a target, an HTTP error to answer with, or null
   * when the path is not the sync server's (another upgrade listener, e.g. Next's HMR, owns it).
   */
  route(request: IncomingMessage): UpgradeTarget | { status: number; message: string } | null
  accept(socket: PeerSocket, target: UpgradeTarget, request: IncomingMessage): ConnectionHandler
}

class WebSocketPeer implements PeerSocket {
  constructor(private readonly ws: WebSocket) {}

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  send(frame: Uint8Array): void {
    this.ws.send(frame, { binary: true })
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason)
  }
}

interface LiveSocket {
  readonly ws: WebSocket
  readonly handler: ConnectionHandler
  alive: boolean
}

/** Writes a plain HTTP error on a socket that asked to upgrade, then ends it. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`
  socket.end(
    `HTTP/1.1 ${status} ${httpStatusText(status)}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

function httpStatusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    503: 'Service Unavailable',
  }
  return texts[status] ?? 'Error'
}

export class SyncTransport {
  private readonly wss: WebSocketServer
  private readonly live = new Set<LiveSocket>()
  private readonly heartbeat: NodeJS.Timeout
  private accepting = true

  constructor(private readonly options: SyncTransportOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    })
    // One timer for all sockets: each round, a socket that has not answered the previous
    // ping (and sent nothing) is dead. So silence is detected within two intervals.
    this.heartbeat = setInterval(() => this.checkHeartbeats(), options.heartbeatMs)
    this.heartbeat.unref()
  }

  get socketCount(): number {
    return this.live.size
  }

  /** Handles an HTTP upgrade if its path is ours; returns false to leave it to others. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const route = this.options.route(request)
    if (route === null) return false
    if (!this.accepting) {
      rejectUpgrade(socket, 503, 'server is shutting down')
      return true
    }
    if (!('docId' in route)) {
      rejectUpgrade(socket, route.status, route.message)
      return true
    }
    socket.on('error', (err) => this.options.logger.debug({ err }, 'upgrade socket error'))
    this.wss.handleUpgrade(request, socket, head, (ws) => this.adopt(ws, route, request))
    return true
  }

  private adopt(ws: WebSocket, target: UpgradeTarget, request: IncomingMessage): void {
    const handler = this.options.accept(new WebSocketPeer(ws), target, request)
    const entry: LiveSocket = { ws, handler, alive: true }
    this.live.add(entry)
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      entry.alive = true
      if (!isBinary) return handler.close(CloseCode.UnsupportedData)
      handler.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    })
    ws.on('pong', () => {
      entry.alive = true
    })
    ws.on('error', (err) => {
      // ws reports oversized frames here and then closes with 1009 itself.
      this.options.logger.debug({ err, docId: target.docId }, 'websocket error')
    })
    ws.on('close', (code: number, reason: Buffer) => {
      this.live.delete(entry)
      handler.closed({ code, reason: reason.toString() })
    })
  }

  private checkHeartbeats(): void {
    for (const entry of this.live) {
      if (!entry.alive) {
        this.options.logger.info('closing a peer that stopped answering pings')
        entry.handler.closed(CloseCode.HeartbeatTimeout)
        entry.ws.terminate()
        continue
      }
      entry.alive = false
      entry.ws.ping()
    }
  }

  /** Refuses new upgrades from now on (shutdown). */
  stopAccepting(): void {
    this.accepting = false
  }

  /** Waits up to `graceMs` for closing sockets to finish their handshake, then cuts the rest. */
  async close(graceMs: number): Promise<void> {
    this.stopAccepting()
    clearInterval(this.heartbeat)
    // Rooms have closed their members already; this reaches sockets still waiting for a load.
    for (const entry of this.live) {
      if (entry.ws.readyState === WebSocket.OPEN) entry.handler.close(CloseCode.GoingAway)
    }
    const deadline = Date.now() + graceMs
    while (this.live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    for (const entry of this.live) entry.ws.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}
