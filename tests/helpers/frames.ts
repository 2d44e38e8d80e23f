import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/**
 * Hand-built y-websocket frames for abuse, limit and fuzz tests, written with lib0 directly
 * (as y-protocols does) rather than with the server's own writers in lib/protocol, so a bug in
 * those writers cannot hide a bug in the server's reader. Byte layout: lib/protocol/PROTOCOL.md.
 */

export const MSG_SYNC = 0
export const MSG_AWARENESS = 1
export const MSG_AUTH = 2
export const MSG_QUERY_AWARENESS = 3
export const SYNC_STEP1 = 0
export const SYNC_STEP2 = 1
export const SYNC_UPDATE = 2

function syncFrame(subType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MSG_SYNC)
  encoding.writeVarUint(encoder, subType)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** syncStep1(sv) := 00 00 varByteArray(stateVector) */
export function syncStep1Frame(stateVector: Uint8Array): Uint8Array {
  return syncFrame(SYNC_STEP1, stateVector)
}

/** syncStep2(update) := 00 01 varByteArray(update) */
export function syncStep2Frame(update: Uint8Array): Uint8Array {
  return syncFrame(SYNC_STEP2, update)
}

/** update(update) := 00 02 varByteArray(update) */
export function updateFrame(update: Uint8Array): Uint8Array {
  return syncFrame(SYNC_UPDATE, update)
}

/** queryAwareness := 03 */
export function queryAwarenessFrame(): Uint8Array {
  return new Uint8Array([MSG_QUERY_AWARENESS])
}

export interface AwarenessEntryIn {
  readonly clientId: number
  readonly clock: number
  /** A JSON object, null (removal), or raw JSON text sent as is. */
  readonly state: Record<string, unknown> | null | { readonly rawJson: string }
}

/** The awareness update body: varUint(n) • n × (clientId • clock • varString(json)). */
export function awarenessUpdate(entries: readonly AwarenessEntryIn[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    const state = entry.state
    const json = state !== null && 'rawJson' in state && typeof state.rawJson === 'string' ? state.rawJson : JSON.stringify(state)
    encoding.writeVarString(encoder, json)
  }
  return encoding.toUint8Array(encoder)
}

/** awareness(u) := 01 varByteArray(awarenessUpdate) */
export function awarenessFrame(entries: readonly AwarenessEntryIn[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MSG_AWARENESS)
  encoding.writeVarUint8Array(encoder, awarenessUpdate(entries))
  return encoding.toUint8Array(encoder)
}

/** A well-formed state vector with `entries` (clientId, clock) pairs, for padding frames. */
export function stateVectorWith(entries: number, firstClientId = 1_000_000): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries)
  for (let i = 0; i < entries; i++) {
    encoding.writeVarUint(encoder, firstClientId + i)
    encoding.writeVarUint(encoder, 1)
  }
  return encoding.toUint8Array(encoder)
}

/** varUint(n) as bytes (unsigned LEB128). */
export function varUint(n: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, n)
  return encoding.toUint8Array(encoder)
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** What a server frame is, by its first bytes. */
export type FrameKind = 'sync-step1' | 'sync-step2' | 'update' | 'awareness' | 'auth' | 'query-awareness' | 'other'

export function frameKind(frame: Uint8Array): FrameKind {
  switch (frame[0]) {
    case MSG_SYNC:
      return frame[1] === SYNC_STEP1 ? 'sync-step1' : frame[1] === SYNC_STEP2 ? 'sync-step2' : frame[1] === SYNC_UPDATE ? 'update' : 'other'
    case MSG_AWARENESS:
      return 'awareness'
    case MSG_AUTH:
      return 'auth'
    case MSG_QUERY_AWARENESS:
      return 'query-awareness'
    default:
      return 'other'
  }
}

/** The payload of a sync frame (state vector or update). Throws on anything else. */
export function syncPayload(frame: Uint8Array): Uint8Array {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== MSG_SYNC) throw new Error('not a sync frame')
  decoding.readVarUint(decoder)
  return decoding.readVarUint8Array(decoder)
}

export interface AwarenessEntryOut {
  readonly clientId: number
  readonly clock: number
  readonly json: string
}

/** The entries of an awareness frame the server sent. */
export function awarenessEntries(frame: Uint8Array): AwarenessEntryOut[] {
  const decoder = decoding.createDecoder(frame)
  if (decoding.readVarUint(decoder) !== MSG_AWARENESS) throw new Error('not an awareness frame')
  const body = decoding.createDecoder(decoding.readVarUint8Array(decoder))
  const count = decoding.readVarUint(body)
  const entries: AwarenessEntryOut[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(body)
    const clock = decoding.readVarUint(body)
    entries.push({ clientId, clock, json: decoding.readVarString(body) })
  }
  return entries
}
