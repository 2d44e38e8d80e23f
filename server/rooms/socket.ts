/**
 * All a room needs of a client connection. The transport adapts a real WebSocket to this;
 * tests use an in-memory pair. Rooms never see `ws`, HTTP or the network.
 */
export interface PeerSocket {
  /** False once the socket is closing or closed; sends are then dropped. */
  readonly isOpen: boolean
  send(frame: Uint8Array): void
  close(code: number, reason: string): void
}
