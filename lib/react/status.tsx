'use client'

import type { SaveState } from '../client/connection'
import type { ConnectionStatus } from '../client/status'
import { useClosedReason, useConnectionStatus, useSaveState, useSmoothedSaveState } from './hooks'

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

const SAVE_LABEL: Record<SaveState, string> = {
  saved: 'Saved',
  saving: 'Saving…',
  'unsaved-offline': 'Offline — changes kept locally',
}

/**
 * "Saved" only once the server has confirmed every local change. `data-state` is the exact
 * state; the label waits half a second before showing "Saving…" so typing does not flicker.
 */
export function SaveIndicator() {
  const exact = useSaveState()
  const shown = useSmoothedSaveState()
  return (
    <span data-testid="save-state" data-state={exact} className={`tandem-save tandem-save--${shown}`} aria-live="polite">
      {SAVE_LABEL[shown]}
    </span>
  )
}
