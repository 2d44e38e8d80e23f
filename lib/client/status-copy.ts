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

export function closedHint(closed: { reason: string } | null, status: ConnectionStatus): string {
  return closed ? `Disconnected by the server${closed.reason ? `: ${closed.reason}` : ''}` : STATUS_HINT[status]
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
