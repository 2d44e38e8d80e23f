import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { PeerSocket } from '../../server/rooms/socket'

/**
 * The client end of an in-memory socket pair: a real Y.Doc and Awareness driven by the real
 * y-protocols handlers (what the stock provider runs), wired to the room through a
 * PeerSocket instead of a network. Frames are delivered synchronously, in order.
 */
export class MemoryPeer implements PeerSocket {
  readonly doc = new Y.Doc()
  readonly awareness = new awarenessProtocol.Awareness(this.doc)
  /** Every frame the server sent, in order. */
  readonly frames: Uint8Array[] = []
  closeCode: number | null = null
  closeReason = ''
  synced = false
  permissionDenied: string | null = null
  private deliver: ((frame: Uint8Array) => void) | null = null

  constructor() {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      syncProtocol.writeUpdate(encoder, update)
      this.sendToServer(encoding.toUint8Array(encoder))
    })
  }

  get isOpen(): boolean {
    return this.closeCode === null
  }

  /** Server → client. */
  send(frame: Uint8Array): void {
    if (!this.isOpen) return
    this.frames.push(frame)
    const decoder = decoding.createDecoder(frame)
    const type = decoding.readVarUint(decoder)
    if (type === 0) {
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      const syncType = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
      if (syncType === syncProtocol.messageYjsSyncStep2) this.synced = true
      if (encoding.length(encoder) > 1) this.sendToServer(encoding.toUint8Array(encoder))
    } else if (type === 1) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
    } else if (type === 2) {
      decoding.readVarUint(decoder)
      this.permissionDenied = decoding.readVarString(decoder)
    }
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return
    this.closeCode = code
    this.closeReason = reason
  }

  /** Connects this end to the server side's frame handler and starts the y-websocket handshake. */
  attach(deliver: (frame: Uint8Array) => void): void {
    this.deliver = deliver
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this.sendToServer(encoding.toUint8Array(encoder))
  }

  /** Client → server (a raw frame). */
  sendToServer(frame: Uint8Array): void {
    if (this.isOpen && this.deliver) this.deliver(frame)
  }

  setPresence(state: Record<string, unknown> | null): void {
    this.awareness.setLocalState(state)
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID])
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarUint8Array(encoder, update)
    this.sendToServer(encoding.toUint8Array(encoder))
  }

  /** Names in the awareness states this end has received from others. */
  peerNames(): string[] {
    const names: string[] = []
    for (const [id, state] of this.awareness.getStates()) {
      if (id === this.doc.clientID) continue
      const name = (state as { user?: { name?: string } }).user?.name
      if (name) names.push(name)
    }
    return names.sort()
  }
}
