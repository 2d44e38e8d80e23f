import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { WebSocket, WebSocketServer } from 'ws'
import { CloseCode, type CloseReason } from '../../lib/protocol'
import { TokenBucket } from '../limits/token-bucket'
import { type Metrics, messageKindOf } from '../metrics'
import type { PeerSocket } from '../rooms/socket'
import { type Cancel, eventLoop, type Scheduler } from '../scheduler'
import { isRefusal, type Refusal, rejectUpgrade } from './refusal'

/**
 * The only module that knows about `ws`: HTTP upgrades, frame size, per-connection rates,
 * send buffers, heartbeats, and the adapter from a WebSocket to the room's PeerSocket. It
 * knows nothing of Yjs.
 */

/** What the transport hands each accepted socket to, and hears back from. */
export interface ConnectionHandler {
  receive(frame: Uint8Array): void
  /** Closes with a named code (the transport's own rules: text frames, slow readers). */
  close(reason: CloseReason): void
  /** The socket is gone, for whatever reason; called once. */
  closed(reason: CloseReason): void
}

export interface SyncTransportOptions<Ticket> {
  readonly logger: Logger
  readonly metrics: Metrics
  readonly maxMessageBytes: number
  readonly heartbeatMs: number
  /**
   * Sent to every open socket each heartbeat round, next to the ping. Browsers never see
   * WebSocket pings, so a client can only tell a live server from a dead network by regular
   * messages; this one must be a no-op for any client (the server passes an empty awareness
   * update). None when omitted.
   */
  readonly keepaliveFrame?: Uint8Array
  readonly maxMessagesPerSecond: number
  readonly maxBytesPerSecond: number
  readonly maxBufferedBytes: number
  /** Time for rate limits, heartbeats and the close grace (default: the event loop). */
  readonly scheduler?: Scheduler
  /**
   * Decides an upgrade: null when the path is not the sync server's (another upgrade listener,
   * e.g. Next's HMR, owns it), a refusal to answer with an HTTP error, or a ticket to accept.
   * It may be async (token checks) and runs before any WebSocket exists.
   */
  admit(request: IncomingMessage): null | Refusal | Promise<Ticket | Refusal>
  /** The ticket's WebSocket is open: hand it to its connection. */
  accept(socket: PeerSocket, ticket: Ticket, request: IncomingMessage): ConnectionHandler
  /**
   * A ticket that never became a connection: the client left while it was checked, the
   * server began shutting down, or ws refused the handshake itself (a bad WebSocket key or
   * version). Called once, instead of `accept`.
   */
  abandon(ticket: Ticket): void
}

/** Largest WebSocket frame header a client sends (2 + 8 length bytes + 4 mask bytes). */
const MAX_CLIENT_FRAME_HEADER = 14

interface LiveSocket {
  readonly ws: WebSocket
  /** The transport that adopted it (the shared listeners below reach it through here). */
  readonly transport: SyncTransport<unknown>
  readonly handler: ConnectionHandler
  alive: boolean
  /** The TCP socket under the WebSocket (its bytesRead counts what arrived, frames in part included). */
  readonly tcp: TcpSocket | null
  /** tcp.bytesRead when the socket was adopted: what came before (the HTTP upgrade) is not a frame. */
  readonly bytesReadBefore: number
  /** Bytes that complete messages account for. */
  messageBytesIn: number
  messagesIn: number
  /** The same three figures at the previous heartbeat round (bytes counted from bytesReadBefore). */
  bytesInAtLastRound: number
  messageBytesInAtLastRound: number
  messagesInAtLastRound: number
  readonly messages: TokenBucket
  readonly bytes: TokenBucket
  /**
   * Frames received while over budget, oldest first. `ws` goes on emitting what it has already
   * read after pause(), so frames are held here, not handed on; the head is already paid for.
   */
  readonly held: Buffer[]
  /** Cancels the pending hand-on of held frames, if any. */
  cancelDrain: Cancel | null
}

type TcpSocket = Duplex & { readonly bytesRead?: number }

/**
 * Every socket's listeners are these shared functions, not closures made per socket: a closure
 * and its context cost about 100 bytes each for as long as the connection lives, and idle
 * connections are what a server holds most of. `ws` calls them with the WebSocket as `this`;
 * the WebSocket carries its LiveSocket under a symbol.
 */
const LIVE = Symbol('tandem.liveSocket')
type AdoptedWebSocket = WebSocket & { [LIVE]: LiveSocket }
const liveOf = (ws: WebSocket): LiveSocket => (ws as AdoptedWebSocket)[LIVE]

function onSocketMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const entry = liveOf(this)
  entry.transport.received(entry, data, isBinary)
}

function onSocketPong(this: WebSocket): void {
  liveOf(this).alive = true
}

function onSocketError(this: WebSocket, err: Error): void {
  liveOf(this).transport.socketError(err)
}

function onSocketClose(this: WebSocket, code: number, reason: Buffer): void {
  const entry = liveOf(this)
  entry.transport.socketClosed(entry, code, reason)
}

/** The TCP socket under a `ws` WebSocket (ws keeps it in `_socket`). */
function tcpOf(ws: WebSocket): TcpSocket | null {
  return (ws as unknown as { _socket?: Duplex })._socket ?? null
}

/** Ends a peer's corked turn (a shared function: no closure per connection, see D17). */
function uncorkPeer(peer: WebSocketPeer): void {
  peer.uncork()
}

class WebSocketPeer implements PeerSocket {
  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under the WebSocket, corked while this turn's frames gather (D17). */
    private readonly tcp: Duplex | null,
    private readonly maxBufferedBytes: number,
    private readonly metrics: Metrics,
    private readonly scheduler: Scheduler,
  ) {}

  /** Its transport's record of the socket, set once adopted (told of send-buffer overflows). */
  live: LiveSocket | null = null

  private corked = false

  uncork(): void {
    this.corked = false
    this.tcp?.uncork()
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  send(frame: Uint8Array): void {
    // Every frame this peer gets in the current run of code (a committed batch's updates, an
    // update and then presence) leaves in one write: one system call instead of one per frame.
    // Each frame is still one WebSocket message holding one y-protocol message (P1).
    if (!this.corked && this.tcp) {
      this.corked = true
      this.tcp.cork()
      process.nextTick(uncorkPeer, this)
    }
    this.ws.send(frame, { binary: true })
    this.metrics.messageOut(messageKindOf(frame), frame.length)
    // A reader slower than what it is sent would grow this buffer without bound.
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      const live = this.live
      if (live) live.transport.sendBufferOverflowed(live)
    }
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason)
    // A peer that does not answer the closing handshake (or reads nothing) is cut after a second.
    this.scheduler.delay(1_000, () => this.ws.terminate(), { keepAlive: false })
  }
}

const SHUTTING_DOWN: Refusal = { status: 503, reason: 'shutting_down', message: 'server is shutting down' }
const INTERNAL: Refusal = { status: 500, reason: 'internal', message: 'internal error' }

export class SyncTransport<Ticket> {
  private readonly wss: WebSocketServer
  private readonly live = new Set<LiveSocket>()
  private readonly scheduler: Scheduler
  private cancelHeartbeat: Cancel
  /** Waiters for the moment no live socket is left; called and emptied then. */
  private noSocketsLeft: Array<() => void> = []
  private accepting = true

  constructor(private readonly options: SyncTransportOptions<Ticket>) {
    this.scheduler = options.scheduler ?? eventLoop
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    })
    this.cancelHeartbeat = this.scheduleHeartbeat()
  }

  /** The transport's clock, shared by every socket's rate buckets. */
  private readonly now = (): number => this.scheduler.now()
  private readonly logSocketError = (err: Error): void => this.options.logger.debug({ err }, 'upgrade socket error')

  get socketCount(): number {
    return this.live.size
  }

  /** Handles an HTTP upgrade if its path is ours; returns false to leave it to others. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const decision = this.options.admit(request)
    if (decision === null) return false
    // One shared listener: a closure made here would share this call's context with the ones
    // below and keep the request, its headers and `head` alive for as long as the socket lives.
    socket.on('error', this.logSocketError)
    void Promise.resolve(decision).then(
      (result) => this.complete(request, socket, head, result),
      (err: unknown) => {
        this.options.logger.error({ err }, 'upgrade check failed')
        this.refuse(socket, INTERNAL)
      },
    )
    return true
  }

  private complete(request: IncomingMessage, socket: Duplex, head: Buffer, result: Ticket | Refusal): void {
    if (isRefusal(result)) return this.refuse(socket, result)
    if (!this.accepting) {
      this.options.abandon(result)
      return this.refuse(socket, SHUTTING_DOWN)
    }
    if (socket.destroyed) return this.options.abandon(result)
    // Without a verifyClient hook, ws either calls back before handleUpgrade returns or answers
    // a malformed handshake (400/405) itself and never calls back.
    let adopted = false
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      adopted = true
      // ws listens for socket errors from now on.
      socket.off('error', this.logSocketError)
      this.adopt(ws, result, request)
    })
    if (!adopted) this.options.abandon(result)
  }

  private refuse(socket: Duplex, refusal: Refusal): void {
    this.options.metrics.connectionRejected(refusal.reason)
    rejectUpgrade(socket, refusal)
  }

  private adopt(ws: WebSocket, ticket: Ticket, request: IncomingMessage): void {
    const { maxMessagesPerSecond, maxBytesPerSecond, maxMessageBytes, metrics } = this.options
    const tcp = tcpOf(ws)
    const peer = new WebSocketPeer(ws, tcp, this.options.maxBufferedBytes, metrics, this.scheduler)
    const handler = this.options.accept(peer, ticket, request)
    const entry: LiveSocket = {
      ws,
      transport: this as SyncTransport<unknown>,
      handler,
      alive: true,
      tcp,
      bytesReadBefore: tcp?.bytesRead ?? 0,
      messageBytesIn: 0,
      messagesIn: 0,
      bytesInAtLastRound: 0,
      messageBytesInAtLastRound: 0,
      messagesInAtLastRound: 0,
      messages: new TokenBucket(maxMessagesPerSecond, maxMessagesPerSecond, this.now),
      // A single message may be as large as the frame limit, so the burst allows one.
      bytes: new TokenBucket(maxBytesPerSecond, Math.max(maxBytesPerSecond, maxMessageBytes), this.now),
      held: [],
      cancelDrain: null,
    }
    peer.live = entry
    ;(ws as AdoptedWebSocket)[LIVE] = entry
    this.live.add(entry)
    metrics.connectionOpened()
    ws.on('message', onSocketMessage)
    ws.on('pong', onSocketPong)
    ws.on('error', onSocketError)
    ws.on('close', onSocketClose)
  }

  /** A complete message arrived (onSocketMessage). */
  received(entry: LiveSocket, data: Buffer, isBinary: boolean): void {
    // Not a sign of life: a peer whose downstream is gone (a proxy or NAT that swallows what
    // we send) goes on sending, yet hears nothing. Only a pong proves both directions (A4).
    entry.messagesIn++
    entry.messageBytesIn += data.length
    this.options.metrics.messageIn(isBinary ? messageKindOf(data) : 'other', data.length)
    if (!isBinary) return entry.handler.close(CloseCode.UnsupportedData)
    this.admitFrame(entry, data)
  }

  /** onSocketError */
  socketError(err: Error): void {
    // ws reports oversized frames here and then closes with 1009 itself.
    if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.options.metrics.limitHit('message_size')
    this.options.logger.debug({ err }, 'websocket error')
  }

  /** onSocketClose */
  socketClosed(entry: LiveSocket, code: number, reason: Buffer): void {
    this.live.delete(entry)
    entry.cancelDrain?.()
    entry.cancelDrain = null
    entry.held.length = 0
    entry.handler.closed({ code, reason: reason.toString() })
    if (this.live.size === 0) this.notifyNoSocketsLeft()
  }

  /** The peer was sent more than maxBufferedBytes it has not read (a reader too slow). */
  sendBufferOverflowed(entry: LiveSocket): void {
    this.options.metrics.limitHit('send_buffer')
    entry.handler.close(CloseCode.TryAgainLater)
  }

  /**
   * Rate limits throttle instead of closing: a frame over the connection's messages/s or
   * bytes/s budget is held, the socket is paused (TCP backpressure slows the sender), and held
   * frames are handed on, in order, as the budget refills. Nobody else notices.
   */
  private admitFrame(entry: LiveSocket, frame: Buffer): void {
    if (entry.held.length > 0) {
      entry.held.push(frame)
      return
    }
    if (this.pay(entry, frame)) return this.deliver(entry, frame)
    entry.held.push(frame)
    this.options.metrics.limitHit(entry.messages.debtMs() > 0 ? 'messages_per_second' : 'bytes_per_second')
    this.options.logger.debug('throttling a connection over its message or byte rate')
    entry.ws.pause()
    this.scheduleDrain(entry)
  }

  /** Takes one message and the frame's bytes from the budgets; false when now in debt. */
  private pay(entry: LiveSocket, frame: Buffer): boolean {
    const withinMessages = entry.messages.take(1)
    const withinBytes = entry.bytes.take(frame.length)
    return withinMessages && withinBytes
  }

  private deliver(entry: LiveSocket, frame: Buffer): void {
    entry.handler.receive(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength))
  }

  private scheduleDrain(entry: LiveSocket): void {
    const wait = Math.max(entry.messages.debtMs(), entry.bytes.debtMs(), 1)
    entry.cancelDrain = this.scheduler.delay(wait, () => this.drainHeld(entry))
  }

  private drainHeld(entry: LiveSocket): void {
    entry.cancelDrain = null
    if (entry.ws.readyState !== WebSocket.OPEN) return
    if (Math.max(entry.messages.debtMs(), entry.bytes.debtMs()) > 0) return this.scheduleDrain(entry)
    // The head was paid for when it went into debt.
    this.deliver(entry, entry.held.shift()!)
    while (entry.held.length > 0) {
      if (entry.ws.readyState !== WebSocket.OPEN) return
      const frame = entry.held[0]!
      if (!this.pay(entry, frame)) return this.scheduleDrain(entry)
      entry.held.shift()
      this.deliver(entry, frame)
    }
    entry.alive = true
    entry.ws.resume()
  }

  /** One timer for all sockets, re-armed after each round. */
  private scheduleHeartbeat(): Cancel {
    return this.scheduler.delay(
      this.options.heartbeatMs,
      () => {
        this.checkHeartbeats()
        this.cancelHeartbeat = this.scheduleHeartbeat()
      },
      { keepAlive: false },
    )
  }

  /**
   * Each round, a socket that has not answered the previous round's ping is dead, so a peer is
   * cut within two intervals of its last pong. Its own messages do not count: they prove only
   * that it can send, and a peer that types on behind a connection that swallows everything
   * sent to it was kept for as long as it typed, and two intervals more. Each round also sends the keepalive frame, which is how
   * clients that cannot see pings (browsers) tell a live server from a dead network.
   */
  private checkHeartbeats(): void {
    for (const entry of this.live) {
      const receivingAFrame = this.frameArrivedInPart(entry)
      // A throttled socket is not read, so its pongs wait too; it is not silent, just slowed.
      // A peer uploading one large frame is not silent either: its pong waits behind the frame.
      if (entry.held.length > 0 || receivingAFrame) continue
      if (!entry.alive) {
        this.options.logger.debug('closing a peer that stopped answering pings')
        this.options.metrics.connectionRejected('heartbeat_timeout')
        entry.handler.closed(CloseCode.HeartbeatTimeout)
        entry.ws.terminate()
        continue
      }
      entry.alive = false
      entry.ws.ping()
      const keepalive = this.options.keepaliveFrame
      if (keepalive !== undefined) {
        entry.ws.send(keepalive, { binary: true })
        this.options.metrics.messageOut(messageKindOf(keepalive), keepalive.length)
      }
    }
  }

  /**
   * Whether, since the last round, bytes arrived that no complete message accounts for (beyond
   * frame headers): a large frame is still being uploaded. Whole small messages do not count:
   * a peer that only sends proves it can send, not that it hears us (A4).
   */
  private frameArrivedInPart(entry: LiveSocket): boolean {
    // Frames are never compressed here, so payload bytes on the wire are message bytes: what
    // complete messages do not account for is a frame on its way.
    const bytesIn = (entry.tcp?.bytesRead ?? 0) - entry.bytesReadBefore
    const bytes = bytesIn - entry.bytesInAtLastRound
    const accounted =
      entry.messageBytesIn -
      entry.messageBytesInAtLastRound +
      MAX_CLIENT_FRAME_HEADER * (entry.messagesIn - entry.messagesInAtLastRound + 1)
    entry.bytesInAtLastRound = bytesIn
    entry.messageBytesInAtLastRound = entry.messageBytesIn
    entry.messagesInAtLastRound = entry.messagesIn
    return bytes > accounted
  }

  /** Refuses new upgrades from now on (shutdown). */
  stopAccepting(): void {
    this.accepting = false
  }

  /**
   * Closes every socket still open with 1001, waits up to `graceMs` for the closing
   * handshakes to finish, then cuts whatever is left.
   */
  async close(graceMs: number): Promise<void> {
    this.stopAccepting()
    this.cancelHeartbeat()
    for (const entry of this.live) {
      if (entry.ws.readyState === WebSocket.OPEN) entry.handler.close(CloseCode.GoingAway)
    }
    await this.allSocketsGone(graceMs)
    for (const entry of this.live) entry.ws.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }

  /** Resolves when no socket is left, or after `graceMs`, whichever comes first. */
  private allSocketsGone(graceMs: number): Promise<void> {
    if (this.live.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const cancel = this.scheduler.delay(graceMs, resolve)
      this.noSocketsLeft.push(() => {
        cancel()
        resolve()
      })
    })
  }

  private notifyNoSocketsLeft(): void {
    const waiters = this.noSocketsLeft
    this.noSocketsLeft = []
    for (const resolve of waiters) resolve()
  }
}
