import { CloseCode } from '../protocol/close-codes'
import type { SessionEnding } from './activity'
import type { SaveState } from './connection'
import type { ConnectionStatus } from './status'

/** The words for the connection and save states, shared by the React and the DOM-only UI. */
export const STATUS_LABEL: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  offline: 'Offline',
}

export const STATUS_HINT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting to the server',
  connected: 'Connected: changes sync in real time',
  offline: 'No connection: retrying in the background',
}

/**
 * How the server ended the session for good (a final close, see connection.ts), or null while
 * it has not. A deleted document is not "Offline": nothing is retrying, and nothing will save.
 */
export type Ending = SessionEnding

export function endingOf(closed: { code: number } | null): Ending | null {
  if (closed === null) return null
  if (closed.code === CloseCode.DocumentDeleted.code) return 'deleted'
  if (closed.code === CloseCode.Unauthorized.code || closed.code === CloseCode.Forbidden.code) return 'no-access'
  return 'closed'
}

export const ENDING_LABEL: Record<Ending, string> = {
  deleted: 'Deleted',
  'no-access': 'No access',
  closed: 'Disconnected',
}

/** The badge's word: the session's ending when there is one, else the connection's state. */
export function statusLabel(status: ConnectionStatus, closed: { code: number } | null): string {
  const ending = endingOf(closed)
  return ending ? ENDING_LABEL[ending] : STATUS_LABEL[status]
}

export function closedHint(closed: { code: number; reason: string } | null, status: ConnectionStatus): string {
  switch (endingOf(closed)) {
    case 'deleted':
      return 'This document was deleted'
    case 'no-access':
      return 'You no longer have access to this document'
    case 'closed':
      return `Disconnected by the server${closed?.reason ? `: ${closed.reason}` : ''}`
    default:
      return STATUS_HINT[status]
  }
}

/** Whether to show where the changes are: not for a deleted document (they are nowhere now). */
export function showsSaveState(closed: { code: number } | null): boolean {
  return endingOf(closed) !== 'deleted'
}

export function saveLabel(state: SaveState, pending: number): string {
  switch (state) {
    case 'saved':
      return 'Saved'
    case 'saving':
      return 'Saving…'
    case 'offline':
      return `Offline — ${pending} ${pending === 1 ? 'change' : 'changes'} on this device`
    case 'not-saved':
      return 'Not saved'
    default: {
      const unreachable: never = state
      return unreachable
    }
  }
}

export const SAVE_HINT: Record<SaveState, string> = {
  saved: 'The server has every change',
  saving: 'Sending your latest changes to the server',
  offline: 'Kept on this device (it survives a reload) and sent when the connection returns',
  'not-saved':
    'Your latest changes are only in this page: this browser cannot keep a local copy. Stay on the page until you are back online.',
}
