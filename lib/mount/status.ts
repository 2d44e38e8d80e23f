import type { TandemConnection } from '../client/connection'
import { closedHint, endingOf, SAVE_HINT, saveLabel, showsSaveState, statusLabel } from '../client/status-copy'
import { el } from './dom'

/** ConnectionStatusBadge without React: `[data-testid="connection-status"][data-status]`. */
export function createStatusBadge(connection: TandemConnection): { element: HTMLElement; destroy(): void } {
  const label = el('span', { class: 'tandem-status__label' })
  const badge = el('span', { 'data-testid': 'connection-status', class: 'tandem-status', role: 'status' }, [
    el('span', { class: 'tandem-status__dot', 'aria-hidden': 'true' }),
    label,
  ])
  const render = () => {
    const status = connection.status.value
    const closed = connection.closedReason.value
    badge.dataset.status = status
    const ending = endingOf(closed)
    if (ending) badge.dataset.ending = ending
    else delete badge.dataset.ending
    badge.title = closedHint(closed, status)
    label.textContent = statusLabel(status, closed)
  }
  render()
  const stops = [connection.status.subscribe(render), connection.closedReason.subscribe(render)]
  return {
    element: badge,
    destroy() {
      for (const stop of stops) stop()
    },
  }
}

/**
 * SaveIndicator without React: `data-state` is the exact state, the label waits `delayMs` before
 * showing "Saving…" or "Not saved" so typing does not flicker (as useSmoothedSaveState does).
 */
export function createSaveIndicator(connection: TandemConnection, delayMs = 500): { element: HTMLElement; destroy(): void } {
  const indicator = el('span', { 'data-testid': 'save-state', 'aria-live': 'polite' })
  let shown = connection.saveState.value
  let timer: ReturnType<typeof setTimeout> | undefined
  const render = () => {
    const pending = connection.pendingChanges.value
    indicator.dataset.state = connection.saveState.value
    indicator.dataset.pending = String(pending)
    indicator.className = `tandem-save tandem-save--${shown}`
    indicator.title = SAVE_HINT[shown]
    indicator.textContent = saveLabel(shown, pending)
    indicator.hidden = !showsSaveState(connection.closedReason.value)
  }
  const onSaveState = () => {
    const raw = connection.saveState.value
    clearTimeout(timer)
    if (raw === 'saving' || raw === 'not-saved') {
      timer = setTimeout(() => {
        shown = raw
        render()
      }, delayMs)
    } else {
      shown = raw
    }
    render()
  }
  render()
  const stops = [
    connection.saveState.subscribe(onSaveState),
    connection.pendingChanges.subscribe(render),
    connection.closedReason.subscribe(render),
  ]
  return {
    element: indicator,
    destroy() {
      clearTimeout(timer)
      for (const stop of stops) stop()
    },
  }
}
