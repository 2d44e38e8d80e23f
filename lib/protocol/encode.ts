import * as encoding from 'lib0/encoding'
import { AuthType, MessageType, SyncType } from './message-types'

/**
 * Writers for every message the server sends. Each returns the complete frame, so a message
 * meant for many connections is encoded once and the same bytes are sent to all of them.
 */

function syncMessage(syncType: SyncType, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Sync)
  encoding.writeVarUint(encoder, syncType)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** syncStep1(sv) := varUint(0) • varUint(0) • varByteArray(stateVector) */
export function writeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return syncMessage(SyncType.Step1, stateVector)
}

/** syncStep2(update) := varUint(0) • varUint(1) • varByteArray(update) */
export function writeSyncStep2(update: Uint8Array): Uint8Array {
  return syncMessage(SyncType.Step2, update)
}

/** update(update) := varUint(0) • varUint(2) • varByteArray(update) */
export function writeUpdate(update: Uint8Array): Uint8Array {
  return syncMessage(SyncType.Update, update)
}

/** awareness(awarenessUpdate) := varUint(1) • varByteArray(awarenessUpdate) */
export function writeAwareness(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  encoding.writeVarUint8Array(encoder, awarenessUpdate)
  return encoding.toUint8Array(encoder)
}

/**
 * keepalive := awareness(varUint(0)): an awareness update with no entries. Stock y-websocket
 * clients apply it as a no-op (no state changes, no event, no reply), yet it is a message, so
 * it refreshes their "last message received" clock; Tandem's client watches it (heartbeat, A4).
 */
export const KEEPALIVE_FRAME: Uint8Array = writeAwareness(new Uint8Array([0]))

/** queryAwareness := varUint(3) */
export function writeQueryAwareness(): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.QueryAwareness)
  return encoding.toUint8Array(encoder)
}

/** permissionDenied(reason) := varUint(2) • varUint(0) • varString(reason) */
export function writePermissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Auth)
  encoding.writeVarUint(encoder, AuthType.PermissionDenied)
  encoding.writeVarString(encoder, reason)
  return encoding.toUint8Array(encoder)
}
