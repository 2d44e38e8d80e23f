'use client'

import { closedHint, endingOf, SAVE_HINT, saveLabel, showsSaveState, statusLabel } from '../client/status-copy'
import { useClosedReason, useConnectionStatus, usePendingChanges, useSaveState, useSmoothedSaveState } from './hooks'

/**
 * `[data-testid="connection-status"]` with `data-status="connecting|connected|offline"`, and
 * `data-ending="deleted|no-access|closed"` once the server ended the session for good.
 */
export function ConnectionStatusBadge() {
  const status = useConnectionStatus()
  const closed = useClosedReason()
  const hint = closedHint(closed, status)
  return (
    <span
      data-testid="connection-status"
      data-status={status}
      data-ending={endingOf(closed) ?? undefined}
      className="tandem-status"
      title={hint}
      role="status"
    >
      <span className="tandem-status__dot" aria-hidden="true" />
      <span className="tandem-status__label">{statusLabel(status, closed)}</span>
    </span>
  )
}

/**
 * One place for where the changes are: *Saved* (the server confirmed every change), *Saving…*,
 * *Offline — N changes on this device*, or *Not saved* (neither on the server nor on the
 * device). `data-state` is the exact state and `data-pending` the number of unconfirmed
 * changes; the label waits half a second before showing "Saving…" so typing does not flicker.
 * Nothing shows once the document was deleted: the status badge says so, and nothing is saved.
 */
export function SaveIndicator() {
  const exact = useSaveState()
  const shown = useSmoothedSaveState()
  const pending = usePendingChanges()
  const closed = useClosedReason()
  if (!showsSaveState(closed)) return null
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
