'use client'

import type { SaveState } from '../client/connection'
import type { ConnectionStatus } from '../client/status'
import { useClosedReason, useConnectionStatus, usePendingChanges, useSaveState, useSmoothedSaveState } from './hooks'

const STATUS_LABEL: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  offline: 'Offline',
}

const STATUS_HINT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting to the server',
  connected: 'Connected: changes sync in real time',
  offline: 'No connection: retrying in the background',
}

/** `[data-testid="connection-status"]` with `data-status="connecting|connected|offline"`. */
export function ConnectionStatusBadge() {
  const status = useConnectionStatus()
  const closed = useClosedReason()
  const hint = closed ? `Disconnected by the server${closed.reason ? `: ${closed.reason}` : ''}` : STATUS_HINT[status]
  return (
    <span data-testid="connection-status" data-status={status} className="tandem-status" title={hint} role="status">
      <span className="tandem-status__dot" aria-hidden="true" />
      <span className="tandem-status__label">{STATUS_LABEL[status]}</span>
    </span>
  )
}

function saveLabel(state: SaveState, pending: number): string {
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

const SAVE_HINT: Record<SaveState, string> = {
  saved: 'The server has every change',
  saving: 'Sending your latest changes to the server',
  offline: 'Kept on this device (it survives a reload) and sent when the connection returns',
  'not-saved':
    'Your latest changes are only in this page: this browser cannot keep a local copy. Stay on the page until you are back online.',
}

/**
 * One place for where the changes are: *Saved* (the server confirmed every change), *Saving…*,
 * *Offline — N changes on this device*, or *Not saved* (neither on the server nor on the
 * device). `data-state` is the exact state and `data-pending` the number of unconfirmed
 * changes; the label waits half a second before showing "Saving…" so typing does not flicker.
 */
export function SaveIndicator() {
  const exact = useSaveState()
  const shown = useSmoothedSaveState()
  const pending = usePendingChanges()
  return (
    <span
      data-testid="save-state"
      data-state={exact}
      data-pending={pending}
      className={`tandem-save tandem-save--${shown}`}
      title={SAVE_HINT[shown]}
      aria-live="polite"
    >
      {saveLabel(shown, pending)}
    </span>
  )
}
