/**
 * Every WebSocket close the server initiates uses one of these named codes, so a client (and
 * an operator reading logs) can tell why a connection ended. 1xxx are RFC 6455 codes; 4xxx
 * are Tandem's, numbered after the nearest HTTP status.
 *
 * The stock y-websocket client (3.x) treats 4400–4499 as final and stops reconnecting, so
 * that range is used only where reconnecting cannot help (the same bytes or credentials would
 * fail again, or the document is gone). Conditions worth retrying use 1xxx codes. 4408 never
 * reaches a client: a silent peer's socket is cut without a closing handshake.
 */
export interface CloseReason {
  readonly code: number
  readonly reason: string
}

export const CloseCode = {
  /** Server shutting down or restarting; reconnect later. */
  GoingAway: { code: 1001, reason: 'server going away' },
  /** A text frame: the protocol is binary only. */
  UnsupportedData: { code: 1003, reason: 'binary frames only' },
  /** A frame larger than the configured maximum (ws closes with this code itself). */
  MessageTooBig: { code: 1009, reason: 'message too big' },
  /** An unexpected server fault while handling this connection. */
  InternalError: { code: 1011, reason: 'internal error' },
  /** The document had to be reloaded from storage; reconnect to resync. */
  DocumentReloaded: { code: 1012, reason: 'document reloaded' },
  /** The peer could not keep up with what the server sends it. */
  TryAgainLater: { code: 1013, reason: 'try again later' },
  /** A frame that is not a well-formed y-websocket message (bad varint, truncated, trailing bytes). */
  MalformedMessage: { code: 4400, reason: 'malformed message' },
  /** Missing, expired or forged credentials. */
  Unauthorized: { code: 4401, reason: 'unauthorized' },
  /** Valid credentials that do not grant this document or action, or access revoked. */
  Forbidden: { code: 4403, reason: 'forbidden' },
  /** The document was deleted, while the connection was open or before it connected (SPEC L7). */
  DocumentDeleted: { code: 4404, reason: 'document deleted' },
  /** The peer stopped answering heartbeats. */
  HeartbeatTimeout: { code: 4408, reason: 'heartbeat timeout' },
  /** A message type (or sync sub-type) this protocol does not define. */
  UnknownMessageType: { code: 4415, reason: 'unknown message type' },
  /** A sync update that does not decode as a Yjs update, or that Yjs refused to apply. */
  InvalidUpdate: { code: 4422, reason: 'invalid update' },
  /** Too many messages or bytes per second, or another configured limit. */
  RateLimited: { code: 4429, reason: 'rate limited' },
} as const satisfies Record<string, CloseReason>

export type CloseCodeName = keyof typeof CloseCode

/** Looks up the name of a close code, for logs and tests. */
export function closeCodeName(code: number): CloseCodeName | undefined {
  for (const [name, value] of Object.entries(CloseCode)) {
    if (value.code === code) return name as CloseCodeName
  }
  return undefined
}
