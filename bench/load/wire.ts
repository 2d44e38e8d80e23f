import * as encoding from 'lib0/encoding'
import type { Protocol } from '../targets/spawn'

/**
 * The three wire formats the load generator speaks.
 *
 * - `y-websocket` (Tandem, the reference server): `varUint(type) • body`, see
 *   lib/protocol/PROTOCOL.md.
 * - `hocuspocus`: the same messages prefixed with `varString(documentName)`, plus message
 *   types of its own: Auth (2) must come first (`2 • 0 • varString(token)`), answered with
 *   `2 • 2 • varString(scope)` (Authenticated); SyncStatus (8) acknowledges updates.
 * - `bare`: y-websocket framing against a relay that knows no Yjs.
 */

export const MSG_SYNC = 0
export const MSG_AWARENESS = 1
export const MSG_AUTH = 2
export const SYNC_STEP1 = 0
export const SYNC_STEP2 = 1
export const SYNC_UPDATE = 2
export const AUTH_TOKEN = 0
export const AUTH_PERMISSION_DENIED = 1
export const AUTH_AUTHENTICATED = 2

/** Bytes every message to or from this document starts with (empty but for Hocuspocus). */
export function documentPrefix(protocol: Protocol, docName: string): Uint8Array {
  if (protocol !== 'hocuspocus') return new Uint8Array(0)
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, docName)
  return encoding.toUint8Array(encoder)
}

function message(prefix: Uint8Array, write: (encoder: encoding.Encoder) => void): Buffer {
  const encoder = encoding.createEncoder()
  encoding.writeUint8Array(encoder, prefix)
  write(encoder)
  const bytes = encoding.toUint8Array(encoder)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export const syncStep1 = (prefix: Uint8Array, stateVector: Uint8Array) =>
  message(prefix, (e) => {
    encoding.writeVarUint(e, MSG_SYNC)
    encoding.writeVarUint(e, SYNC_STEP1)
    encoding.writeVarUint8Array(e, stateVector)
  })

export const syncStep2 = (prefix: Uint8Array, update: Uint8Array) =>
  message(prefix, (e) => {
    encoding.writeVarUint(e, MSG_SYNC)
    encoding.writeVarUint(e, SYNC_STEP2)
    encoding.writeVarUint8Array(e, update)
  })

export const updateMessage = (prefix: Uint8Array, update: Uint8Array) =>
  message(prefix, (e) => {
    encoding.writeVarUint(e, MSG_SYNC)
    encoding.writeVarUint(e, SYNC_UPDATE)
    encoding.writeVarUint8Array(e, update)
  })

export const awarenessMessage = (prefix: Uint8Array, awarenessUpdate: Uint8Array) =>
  message(prefix, (e) => {
    encoding.writeVarUint(e, MSG_AWARENESS)
    encoding.writeVarUint8Array(e, awarenessUpdate)
  })

export const authMessage = (prefix: Uint8Array, token: string) =>
  message(prefix, (e) => {
    encoding.writeVarUint(e, MSG_AUTH)
    encoding.writeVarUint(e, AUTH_TOKEN)
    encoding.writeVarString(e, token)
  })

/** `varUint(1) • varUint(clientId) • varUint(clock) • varString(json)`: one client's state. */
export function awarenessUpdate(clientId: number, clock: number, json: string): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarString(encoder, json)
  return encoding.toUint8Array(encoder)
}

/** The state vector of a client that has nothing: zero entries. */
export const EMPTY_STATE_VECTOR = new Uint8Array([0])
/** An update that changes nothing (what a fresh client answers the server's sync step 1 with). */
export const EMPTY_UPDATE = new Uint8Array([0, 0])

/**
 * Allocation-free reader of varUints over received frames: `read()` advances `pos`. Receivers
 * only look at headers (message type, the first struct's client and clock, awareness client
 * ids and clocks); they never apply or decode whole updates.
 */
export class Cursor {
  buf: Uint8Array = new Uint8Array(0)
  pos = 0

  reset(buf: Uint8Array, pos = 0): this {
    this.buf = buf
    this.pos = pos
    return this
  }

  read(): number {
    const buf = this.buf
    let num = 0
    let mult = 1
    while (this.pos < buf.length) {
      const byte = buf[this.pos++]!
      num += (byte & 0x7f) * mult
      if (byte < 0x80) return num
      mult *= 128
    }
    throw new Error('truncated varUint')
  }

  skipString(): void {
    const length = this.read()
    this.pos += length
  }
}
