'use client'

import { useEffect, useRef } from 'react'
import { bindTitleInput } from '../client/title-binding'
import { MAX_TITLE_LENGTH, TITLE_FIELD } from '../protocol/document-fields'
import { useTandemConnection } from './tandem-doc-provider'

/**
 * The live, shared title (`[data-testid="doc-title"]`): everyone sees each keystroke.
 * Enter moves focus into the document text.
 */
export function DocTitleInput({
  className,
  placeholder = 'Untitled',
  readOnly = false,
}: {
  className?: string
  placeholder?: string
  readOnly?: boolean
}) {
  const connection = useTandemConnection()
  const ref = useRef<HTMLInputElement>(null)

  useEffect(() => {
    const input = ref.current
    if (!input || !connection) return
    return bindTitleInput(input, connection.doc.getText(TITLE_FIELD), MAX_TITLE_LENGTH)
  }, [connection])

  return (
    <input
      ref={ref}
      data-testid="doc-title"
      className={['tandem-title', className].filter(Boolean).join(' ')}
      aria-label="Document title"
      placeholder={placeholder}
      maxLength={MAX_TITLE_LENGTH}
      disabled={!connection}
      readOnly={readOnly}
      autoComplete="off"
      spellCheck
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault()
          const editor = event.currentTarget.closest('[data-tandem-root]')?.querySelector<HTMLElement>('.ProseMirror')
          editor?.focus()
        }
      }}
    />
  )
}
