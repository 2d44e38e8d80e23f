import type { CloseReason } from './close-codes'

/**
 * Thrown by the readers when a frame breaks the protocol. It carries the close code the
 * server answers with, so the boundary that catches it needs no second lookup.
 */
export class ProtocolError extends Error {
  constructor(
    readonly close: CloseReason,
    detail: string,
  ) {
    super(`${close.reason}: ${detail}`)
    this.name = 'ProtocolError'
  }
}
