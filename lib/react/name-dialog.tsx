'use client'

import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { MAX_NAME_LENGTH, normalizeName } from '../client/identity'

/**
 * Asks for a display name (modal `<dialog>`: focus is trapped and restored by the browser).
 * `onCancel` absent means the name is required (first visit): Escape does not close it.
 */
export function NameDialog({
  initialName = '',
  onSubmit,
  onCancel,
  title = 'What should others call you?',
}: {
  initialName?: string
  onSubmit: (name: string) => void
  onCancel?: () => void
  title?: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const [value, setValue] = useState(initialName)
  const headingId = useId()
  const hintId = useId()

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const name = normalizeName(value)
    if (name) onSubmit(name)
  }

  return (
    <dialog
      ref={ref}
      className="tandem-dialog"
      aria-labelledby={headingId}
      aria-describedby={hintId}
      onCancel={(event) => {
        event.preventDefault()
        onCancel?.()
      }}
    >
      <form onSubmit={submit} className="tandem-dialog__body">
        <h2 id={headingId} className="tandem-dialog__title">
          {title}
        </h2>
        <p id={hintId} className="tandem-dialog__hint">
          Your name appears next to your cursor and in the list of people here. It is remembered on this device.
        </p>
        <input
          className="tandem-input"
          name="name"
          aria-label="Your name"
          placeholder="Your name"
          autoFocus
          autoComplete="name"
          maxLength={MAX_NAME_LENGTH}
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
        <div className="tandem-dialog__actions">
          {onCancel && (
            <button type="button" className="tandem-button tandem-button--ghost" onClick={onCancel}>
              Cancel
            </button>
          )}
          <button type="submit" className="tandem-button tandem-button--primary" disabled={normalizeName(value) === null}>
            {onCancel ? 'Save' : 'Continue'}
          </button>
        </div>
      </form>
    </dialog>
  )
}
