import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import { SocketPair } from './socket-pair'

/**
 * The client end of an in-memory socket pair: a real Y.Doc and Awareness driven by the real
 * y-protocols handlers (what the stock provider runs), wired to the room through a queued
 * SocketPair instead of a network. Frames move only when delivered (see SocketPair).
 */
export class MemoryPeer extends SocketPair {
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  synced = false
  permissionDenied: string | null = null
  private destroyed = false

  /** `clientID` fixes the document's (and presence's) client id; Yjs picks a random one otherwise. */
  constructor(clientID?: number) {
    super()
    // A fixed guid: Yjs would draw a random one with 31 calls to crypto, which adds up in fuzz runs.
    this.doc = new Y.Doc({ guid: 'memory-peer' })
    if (clientID !== undefined) this.doc.clientID = clientID
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      syncProtocol.writeUpdate(encoder, update)
      this.sendToServer(encoding.toUint8Array(encoder))
    })
  }

  /** Connects this end to the server side's frame handler and starts the y-websocket handshake (sync step 1, queued). */
  override attach(server: (frame: Uint8Array) => void): void {
    super.attach(server)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this.sendToServer(encoding.toUint8Array(encoder))
  }

  protected override receive(frame: Uint8Array): void {
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

  /** Releases the Y.Doc and the awareness timer (once). */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.awareness.destroy()
    this.doc.destroy()
  }
}
