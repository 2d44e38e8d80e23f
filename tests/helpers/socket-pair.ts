import type { PeerSocket } from '../../server/rooms/socket'

/**
 * Both ends of one in-memory connection, with a queue each way (as tldraw's TestSocketPair and
 * Yjs' TestConnector have): the server end is this object's PeerSocket side, the client end is
 * `sendToServer` and whatever a subclass does with the frames it receives. Nothing moves until
 * the test delivers it, one frame at a time or with `flush()`, so the test decides the order.
 * Each direction stays in order, as on a WebSocket.
 */
export class SocketPair implements PeerSocket {
  /** Server → client frames sent and not yet delivered. */
  readonly toClient: Uint8Array[] = []
  /** Client → server frames sent and not yet delivered. */
  readonly toServer: Uint8Array[] = []
  /** Every frame delivered to the client end, in order. */
  readonly frames: Uint8Array[] = []
  /** The code the server closed this socket with, or the client's own when it hung up. */
  closeCode: number | null = null
  closeReason = ''
  private server: ((frame: Uint8Array) => void) | null = null

  get isOpen(): boolean {
    return this.closeCode === null
  }

  /** Server → client (PeerSocket): queued until delivered; dropped once the socket is closed. */
  send(frame: Uint8Array): void {
    if (this.isOpen) this.toClient.push(frame)
  }

  /** The server closes the socket. Frames it sent before stay deliverable; later ones are dropped. */
  close(code: number, reason: string): void {
    if (!this.isOpen) return
    this.closeCode = code
    this.closeReason = reason
  }

  /** Connects the client end to the server's frame handler (a Connection's `receive`). */
  attach(server: (frame: Uint8Array) => void): void {
    this.server = server
  }

  /** Client → server: queued until delivered. */
  sendToServer(frame: Uint8Array): void {
    if (this.isOpen) this.toServer.push(frame)
  }

  /** Delivers the oldest client → server frame (dropped if the socket closed meanwhile); false if none. */
  deliverToServer(): boolean {
    const frame = this.toServer.shift()
    if (!frame) return false
    if (this.isOpen) this.server?.(frame)
    return true
  }

  /** Delivers the oldest server → client frame to the client end; false if none. */
  deliverToClient(): boolean {
    const frame = this.toClient.shift()
    if (!frame) return false
    this.frames.push(frame)
    this.receive(frame)
    return true
  }

  /** Delivers both ways until both queues are empty (answers included); the server's deferred work is not run. */
  flush(): void {
    while (this.deliverToServer() || this.deliverToClient()) {}
  }

  /** Anything left to deliver either way. */
  get hasQueued(): boolean {
    return this.toServer.length > 0 || this.toClient.length > 0
  }

  /** The client goes away: the socket is closed and nothing queued is delivered any more. */
  hangUp(code = 1000, reason = 'bye'): void {
    this.close(code, reason)
    this.toServer.length = 0
    this.toClient.length = 0
  }

  /** What the client end does with a delivered frame; a bare pair only records it. */
  protected receive(_frame: Uint8Array): void {}
}
