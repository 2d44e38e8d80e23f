import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/**
 * What servers of one cluster tell each other over Redis (C1–C5). Binary (lib0 encoding):
 * varUint kind • varString sender instance id • the kind's fields. Nothing here is stored:
 * PostgreSQL is the record, these messages only make the others look sooner.
 */
export type ClusterMessage =
  /** A committed update of `docId` with its seq in the document's log. */
  | { readonly kind: 'update'; readonly from: string; readonly docId: string; readonly seq: number; readonly update: Uint8Array }
  /** A committed update too large to send: read seq `seq` from PostgreSQL. */
  | { readonly kind: 'hint'; readonly from: string; readonly docId: string; readonly seq: number }
  /** Awareness entries of the sender's clients in `docId` (y-protocols awareness update). */
  | { readonly kind: 'presence'; readonly from: string; readonly docId: string; readonly awareness: Uint8Array }
  /** A server that just opened `docId` asks the others for their clients' presence there. */
  | { readonly kind: 'presence-query'; readonly from: string; readonly docId: string }
  /** `docId` was deleted: close its connections (4404). */
  | { readonly kind: 'deleted'; readonly from: string; readonly docId: string }
  /** A revocation was stored: close the connections it refuses (4403). */
  | {
      readonly kind: 'revoked'
      readonly from: string
      readonly revocation: { readonly kind: 'user' | 'document'; readonly id: string; readonly at: number }
    }
  /** The sender is shutting down cleanly: forget its clients' presence now. */
  | { readonly kind: 'leaving'; readonly from: string }

const KINDS = ['update', 'hint', 'presence', 'presence-query', 'deleted', 'revoked', 'leaving'] as const

export function encodeClusterMessage(message: ClusterMessage): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, KINDS.indexOf(message.kind))
  encoding.writeVarString(encoder, message.from)
  switch (message.kind) {
    case 'update':
      encoding.writeVarString(encoder, message.docId)
      encoding.writeVarUint(encoder, message.seq)
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'hint':
      encoding.writeVarString(encoder, message.docId)
      encoding.writeVarUint(encoder, message.seq)
      break
    case 'presence':
      encoding.writeVarString(encoder, message.docId)
      encoding.writeVarUint8Array(encoder, message.awareness)
      break
    case 'presence-query':
    case 'deleted':
      encoding.writeVarString(encoder, message.docId)
      break
    case 'revoked':
      encoding.writeVarString(encoder, message.revocation.kind)
      encoding.writeVarString(encoder, message.revocation.id)
      encoding.writeFloat64(encoder, message.revocation.at)
      break
    case 'leaving':
      break
  }
  return encoding.toUint8Array(encoder)
}

/** Decodes a message; throws on anything malformed (the caller logs and drops it). */
export function decodeClusterMessage(bytes: Uint8Array): ClusterMessage {
  const decoder = decoding.createDecoder(bytes)
  const kind = KINDS[decoding.readVarUint(decoder)]
  const from = decoding.readVarString(decoder)
  switch (kind) {
    case 'update':
      return {
        kind,
        from,
        docId: decoding.readVarString(decoder),
        seq: decoding.readVarUint(decoder),
        update: decoding.readVarUint8Array(decoder),
      }
    case 'hint':
      return { kind, from, docId: decoding.readVarString(decoder), seq: decoding.readVarUint(decoder) }
    case 'presence':
      return { kind, from, docId: decoding.readVarString(decoder), awareness: decoding.readVarUint8Array(decoder) }
    case 'presence-query':
    case 'deleted':
      return { kind, from, docId: decoding.readVarString(decoder) }
    case 'revoked': {
      const revokedKind = decoding.readVarString(decoder)
      if (revokedKind !== 'user' && revokedKind !== 'document') throw new Error(`unknown revocation kind ${revokedKind}`)
      return { kind, from, revocation: { kind: revokedKind, id: decoding.readVarString(decoder), at: decoding.readFloat64(decoder) } }
    }
    case 'leaving':
      return { kind, from }
    default:
      throw new Error('unknown cluster message kind')
  }
}
