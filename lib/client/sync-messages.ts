import * as decoding from 'lib0/decoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'

/**
 * What a sync message from the server tells us about its state, read without consuming the
 * provider's decoder (the provider's own handler still reads the message afterwards).
 *
 * The y-websocket sync message body (after the outer type varint 0) is
 * `varUint(subtype) • varByteArray(payload)`, subtype 0 = step 1 (payload: state vector),
 * 1 = step 2 and 2 = update (payload: a v1 update).
 */
export type ServerSyncInfo = { kind: 'state-vector'; stateVector: Map<number, number> } | { kind: 'update'; update: Uint8Array }

export function peekSyncMessage(decoder: decoding.Decoder): ServerSyncInfo | null {
  try {
    const peek = decoding.clone(decoder)
    const subtype = decoding.readVarUint(peek)
    const payload = decoding.readVarUint8Array(peek)
    switch (subtype) {
      case syncProtocol.messageYjsSyncStep1:
        return { kind: 'state-vector', stateVector: Y.decodeStateVector(payload) }
      case syncProtocol.messageYjsSyncStep2:
      case syncProtocol.messageYjsUpdate:
        return { kind: 'update', update: payload }
      default:
        return null
    }
  } catch {
    // A malformed message is the provider's problem to report; it tells us nothing.
    return null
  }
}
