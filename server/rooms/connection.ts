import { CloseCode, type CloseReason, type IncomingMessage, ProtocolError, readMessage } from '../../lib/protocol'
import type { Identity } from '../auth/claims'
import type { PeerSocket } from './socket'

/** What the server learned about a client before it joined. */
export interface ConnectionInfo {
  readonly docId: string
  readonly remoteAddress: string
  /** The verified token holder, or null in open mode. */
  readonly identity: Identity | null
  /** False for read-only clients: their document updates are refused (y-protocols rule). */
  readonly canWrite: boolean
}

/** Bounds on what a client may send before its document has loaded. */
export interface BacklogLimits {
  readonly maxMessages: number
  readonly maxBytes: number
  /** Told when a client overflows them (metrics). */
  readonly onOverflow?: () => void
}

/** The part of a room a connection talks to; keeps Connection free of Room's internals. */
export interface MessageSink {
  handle(connection: Connection, message: IncomingMessage): void
  leave(connection: Connection): void
}

export type ConnectionState =
  | { readonly phase: 'waiting'; readonly backlog: IncomingMessage[] }
  | { readonly phase: 'joined'; readonly room: MessageSink }
  | { readonly phase: 'closed'; readonly close: CloseReason }

/**
 * One client in one document. Frames are parsed here, at the boundary, before any room sees
 * them; a frame that breaks the protocol closes this connection only.
 *
 * Until its room has loaded, a connection keeps what it receives in a bounded backlog (the
 * stock client sends sync step 1 and its awareness the moment the socket opens) and replays
 * it in order on join, so no client is answered before the stored state is in memory.
 */
export class Connection {
  readonly openedAt = Date.now()
  private state: ConnectionState = { phase: 'waiting', backlog: [] }
  private backlogBytes = 0
  /** Every listener given to onClose, chained into one (see onClose). */
  private closeListener: ((reason: CloseReason) => void) | null = null
  private firstMessageListeners: Array<() => void> = []

  constructor(
    /** Unique within one server, for logs. */
    readonly id: number,
    readonly socket: PeerSocket,
    readonly info: ConnectionInfo,
    private readonly backlogLimits: BacklogLimits,
  ) {}

  /** Runs `listener` once when the connection ends (bookkeeping outside the room). */
  onClose(listener: (reason: CloseReason) => void): void {
    // Chained rather than kept in an array: a connection has one or two listeners, and an
    // array's first push reserves room for seventeen (this lives as long as the connection).
    const previous = this.closeListener
    this.closeListener = previous
      ? (reason) => {
          previous(reason)
          listener(reason)
        }
      : listener
  }

  /**
   * Runs `listener` once, when this connection keeps its first message while it waits for its
   * document (the cold-load path waits for that; see ColdLoad). Never runs for a connection
   * that joins or closes first.
   */
  onFirstMessage(listener: () => void): void {
    this.firstMessageListeners.push(listener)
  }

  get phase(): ConnectionState['phase'] {
    return this.state.phase
  }

  /** Whether a waiting connection has received anything yet. */
  get hasBacklog(): boolean {
    return this.state.phase === 'waiting' && this.state.backlog.length > 0
  }

  get isOpen(): boolean {
    return this.state.phase !== 'closed' && this.socket.isOpen
  }

  /** Entry point for every frame the transport receives. */
  receive(frame: Uint8Array): void {
    if (this.state.phase === 'closed') return
    let message: IncomingMessage
    try {
      message = readMessage(frame)
    } catch (err) {
      if (err instanceof ProtocolError) return this.close(err.close)
      throw err
    }
    switch (this.state.phase) {
      case 'waiting':
        // Bounded in count and bytes: a client cannot make the server hoard data before the
        // document is even loaded (cf. Hocuspocus GHSA-xwhh-v746-pj9m, an unbounded queue).
        this.backlogBytes += frame.length
        if (this.state.backlog.length >= this.backlogLimits.maxMessages || this.backlogBytes > this.backlogLimits.maxBytes) {
          this.backlogLimits.onOverflow?.()
          return this.close(CloseCode.RateLimited)
        }
        this.state.backlog.push(message)
        return this.notifyFirstMessage()
      case 'joined':
        return this.state.room.handle(this, message)
      default:
        return assertNever(this.state)
    }
  }

  private notifyFirstMessage(): void {
    const listeners = this.firstMessageListeners
    if (listeners.length === 0) return
    this.firstMessageListeners = []
    for (const listener of listeners) listener()
  }

  /**
   * While waiting: takes a sync step 1 from a client that has nothing (state vector [0]) off
   * the front of the backlog, so the manager can answer it straight from stored bytes.
   */
  takeInitialSyncRequest(): boolean {
    if (this.state.phase !== 'waiting') return false
    const first = this.state.backlog[0]
    if (first?.kind !== 'sync-step1' || first.stateVector.length !== 1 || first.stateVector[0] !== 0) return false
    this.state.backlog.shift()
    return true
  }

  /** Called by the room manager once the document is loaded and the room accepted us. */
  joined(room: MessageSink): void {
    if (this.state.phase !== 'waiting') return
    const backlog = this.state.backlog
    this.backlogBytes = 0
    this.firstMessageListeners = []
    this.state = { phase: 'joined', room }
    for (const message of backlog) {
      if (this.state.phase !== 'joined') return
      room.handle(this, message)
    }
  }

  send(frame: Uint8Array): void {
    if (this.isOpen) this.socket.send(frame)
  }

  /** Closes the socket with a named code; the room hears of it through `closed()`. */
  close(reason: CloseReason): void {
    if (this.state.phase === 'closed') return
    if (this.socket.isOpen) this.socket.close(reason.code, reason.reason)
    this.closed(reason)
  }

  /** The socket is gone (closed by either side or by the transport); leave the room once. */
  closed(reason: CloseReason = CloseCode.GoingAway): void {
    const previous = this.state
    if (previous.phase === 'closed') return
    this.state = { phase: 'closed', close: reason }
    this.firstMessageListeners = []
    if (previous.phase === 'joined') previous.room.leave(this)
    const listener = this.closeListener
    this.closeListener = null
    listener?.(reason)
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected state ${JSON.stringify(value)}`)
}
