import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/**
 * Keeps tabs of one document on one device in step, with or without a network: every change
 * goes to the other tabs over a BroadcastChannel named after the document's local copy, and a
 * tab that opens asks the others for what it lacks.
 *
 * y-websocket has this built in, but its messages look like server messages there, so a change
 * another tab made would count as "saved" when the server never saw it. Here updates from
 * other tabs arrive with this module's own origin and count as changes on this device.
 */

/** A tab that just opened: its state vector. Others answer with what it lacks, and ask back. */
const OPENED = 0
/** "What do you lack?" from a tab that was already open: its state vector, answered once. */
const ASK = 1
/** An update. */
const UPDATE = 2

export interface TabSync {
  /** The transaction origin of updates that came from another tab. */
  readonly origin: unknown
  destroy(): void
}

export function startTabSync(name: string, doc: Y.Doc): TabSync | null {
  if (typeof BroadcastChannel === 'undefined') return null
  const channel = new BroadcastChannel(`tandem-tabs:${name}`)
  const origin = { tabSync: name }

  const send = (type: number, payload: Uint8Array) => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, type)
    encoding.writeVarUint8Array(encoder, payload)
    channel.postMessage(encoding.toUint8Array(encoder))
  }

  channel.onmessage = (event: MessageEvent) => {
    if (!(event.data instanceof Uint8Array)) return
    try {
      const decoder = decoding.createDecoder(event.data)
      const type = decoding.readVarUint(decoder)
      const payload = decoding.readVarUint8Array(decoder)
      if (type === OPENED || type === ASK) {
        const missing = Y.encodeStateAsUpdate(doc, payload)
        // An update with no structs and no deletions is 2 bytes: nothing to tell.
        if (missing.length > 2) send(UPDATE, missing)
        // Only an opener is asked back (an ASK is never answered with an ASK: no ping-pong).
        if (type === OPENED) send(ASK, Y.encodeStateVector(doc))
      } else if (type === UPDATE) {
        Y.applyUpdate(doc, payload, origin)
      }
    } catch {
      // A message from an incompatible version of the page: ignore it.
    }
  }

  const onUpdate = (update: Uint8Array, from: unknown) => {
    if (from !== origin) send(UPDATE, update)
  }
  doc.on('update', onUpdate)
  send(OPENED, Y.encodeStateVector(doc))

  return {
    origin,
    destroy() {
      doc.off('update', onUpdate)
      channel.close()
    },
  }
}
