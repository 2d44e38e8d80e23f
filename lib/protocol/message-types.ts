/**
 * The y-websocket message types, unchanged. Every frame is one message: a varUint type
 * followed by a type-specific body (see PROTOCOL.md).
 */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** The y-protocols sync sub-messages carried inside a Sync message. */
export const SyncType = {
  Step1: 0,
  Step2: 1,
  Update: 2,
} as const
export type SyncType = (typeof SyncType)[keyof typeof SyncType]

/** The only auth sub-message defined by y-protocols. */
export const AuthType = {
  PermissionDenied: 0,
} as const
