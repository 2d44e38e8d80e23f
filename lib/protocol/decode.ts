import * as decoding from 'lib0/decoding'
import { CloseCode } from './close-codes'
import { AuthType, MessageType, SyncType } from './message-types'
import { ProtocolError } from './protocol-error'

/**
 * One parsed client frame. Parsing is complete and strict: every length is checked against
 * the frame, and a frame with bytes left over is malformed, so nothing downstream ever sees
 * half a message.
 */
export type IncomingMessage =
  | { readonly kind: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'sync-step2'; readonly update: Uint8Array }
  | { readonly kind: 'update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly awarenessUpdate: Uint8Array }
  | { readonly kind: 'query-awareness' }
  | { readonly kind: 'permission-denied'; readonly reason: string }

function malformed(detail: string): ProtocolError {
  return new ProtocolError(CloseCode.MalformedMessage, detail)
}

/** Runs a lib0 read, turning its out-of-bounds errors into a MalformedMessage error. */
function read<T>(what: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof ProtocolError) throw err
    throw malformed(`truncated or invalid ${what}`)
  }
}

/** Parses one frame received from a client. Throws ProtocolError on anything else. */
export function readMessage(frame: Uint8Array): IncomingMessage {
  if (frame.length === 0) throw malformed('empty frame')
  const decoder = decoding.createDecoder(frame)
  const type = read('message type', () => decoding.readVarUint(decoder))
  const message = readBody(decoder, type)
  if (decoding.hasContent(decoder)) {
    throw malformed(`${frame.length - decoder.pos} trailing bytes after the message`)
  }
  return message
}

function readBody(decoder: decoding.Decoder, type: number): IncomingMessage {
  switch (type) {
    case MessageType.Sync: {
      const syncType = read('sync type', () => decoding.readVarUint(decoder))
      const payload = read('sync payload', () => decoding.readVarUint8Array(decoder))
      switch (syncType) {
        case SyncType.Step1:
          assertStateVector(payload)
          return { kind: 'sync-step1', stateVector: payload }
        case SyncType.Step2:
          return { kind: 'sync-step2', update: payload }
        case SyncType.Update:
          return { kind: 'update', update: payload }
        default:
          throw new ProtocolError(CloseCode.UnknownMessageType, `sync sub-type ${syncType}`)
      }
    }
    case MessageType.Awareness: {
      const awarenessUpdate = read('awareness update', () => decoding.readVarUint8Array(decoder))
      return { kind: 'awareness', awarenessUpdate }
    }
    case MessageType.QueryAwareness:
      return { kind: 'query-awareness' }
    case MessageType.Auth: {
      const authType = read('auth type', () => decoding.readVarUint(decoder))
      if (authType !== AuthType.PermissionDenied) {
        throw new ProtocolError(CloseCode.UnknownMessageType, `auth sub-type ${authType}`)
      }
      const reason = read('auth reason', () => decoding.readVarString(decoder))
      return { kind: 'permission-denied', reason }
    }
    default:
      throw new ProtocolError(CloseCode.UnknownMessageType, `message type ${type}`)
  }
}

/** stateVector := varUint(n) • n × (varUint(clientId) • varUint(clock)) */
function assertStateVector(stateVector: Uint8Array): void {
  const decoder = decoding.createDecoder(stateVector)
  read('state vector', () => {
    const entries = decoding.readVarUint(decoder)
    for (let i = 0; i < entries; i++) {
      decoding.readVarUint(decoder)
      decoding.readVarUint(decoder)
    }
  })
  if (decoding.hasContent(decoder)) throw malformed('trailing bytes in state vector')
}

/** One client's entry in an awareness update. `state` null means the client left. */
export interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  readonly state: Record<string, unknown> | null
  /** The state as the client sent it (JSON text), so relays need not re-serialise it. */
  readonly json: string
}

/**
 * awarenessUpdate := varUint(n) • n × (varUint(clientId) • varUint(clock) • varString(json))
 *
 * Every entry is decoded and its JSON parsed before the caller applies any of them, so a bad
 * entry rejects the whole update instead of leaving the first half applied.
 */
export function readAwarenessUpdate(awarenessUpdate: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(awarenessUpdate)
  const entries: AwarenessEntry[] = []
  const count = read('awareness entry count', () => decoding.readVarUint(decoder))
  for (let i = 0; i < count; i++) {
    const clientId = read('awareness client id', () => decoding.readVarUint(decoder))
    const clock = read('awareness clock', () => decoding.readVarUint(decoder))
    const json = read('awareness state', () => decoding.readVarString(decoder))
    let state: unknown
    try {
      state = JSON.parse(json)
    } catch {
      throw malformed(`awareness state of client ${clientId} is not JSON`)
    }
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
      throw malformed(`awareness state of client ${clientId} is not an object or null`)
    }
    entries.push({ clientId, clock, state: state as Record<string, unknown> | null, json })
  }
  if (decoding.hasContent(decoder)) throw malformed('trailing bytes in awareness update')
  return entries
}
