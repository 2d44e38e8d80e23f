'use client'

import type { Editor } from '@tiptap/core'
import { useEditorState } from '@tiptap/react'
import { type KeyboardEvent, type ReactNode, useRef } from 'react'
import { ariaKeyShortcuts, FORMATTING_GROUPS, type FormattingId, formatShortcut, readFormattingState } from '../editor/formatting'
import {
  BoldIcon,
  BulletListIcon,
  CodeBlockIcon,
  CodeIcon,
  ItalicIcon,
  LinkIcon,
  OrderedListIcon,
  QuoteIcon,
  RedoIcon,
  StrikeIcon,
  UndoIcon,
} from './icons'
import { useIsApple } from './use-platform'

const CONTENT: Record<FormattingId, ReactNode> = {
  undo: <UndoIcon />,
  redo: <RedoIcon />,
  h1: <span className="tandem-toolbar__text">H1</span>,
  h2: <span className="tandem-toolbar__text">H2</span>,
  h3: <span className="tandem-toolbar__text">H3</span>,
  bold: <BoldIcon />,
  italic: <ItalicIcon />,
  strike: <StrikeIcon />,
  code: <CodeIcon />,
  link: <LinkIcon />,
  bulletList: <BulletListIcon />,
  orderedList: <OrderedListIcon />,
  blockquote: <QuoteIcon />,
  codeBlock: <CodeBlockIcon />,
}

/**
 * Formatting toolbar. One tab stop (the toolbar pattern): arrow keys, Home and End move
 * between buttons. Buttons keep the editor's selection (no focus steal on mouse down) and
 * report their state with aria-pressed. The buttons are lib/editor/formatting.ts's.
 */
export function EditorToolbar({ editor, className }: { editor: Editor | null; className?: string }) {
  const state = useEditorState({ editor, selector: ({ editor: e }) => readFormattingState(e) }) ?? readFormattingState(null)
  const apple = useIsApple()
  const ref = useRef<HTMLDivElement>(null)

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = Array.from(ref.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement)
    if (index < 0) return
    let next = index
    if (event.key === 'ArrowRight') next = (index + 1) % buttons.length
    else if (event.key === 'ArrowLeft') next = (index - 1 + buttons.length) % buttons.length
    else if (event.key === 'Home') next = 0
    else if (event.key === 'End') next = buttons.length - 1
    else return
    event.preventDefault()
    for (const [i, button] of buttons.entries()) button.tabIndex = i === next ? 0 : -1
    buttons[next]?.focus()
  }

  let first = true
  return (
    <div
      ref={ref}
      role="toolbar"
      aria-label="Formatting"
      className={['tandem-toolbar', className].filter(Boolean).join(' ')}
      onKeyDown={onKeyDown}
    >
      {FORMATTING_GROUPS.map((group) => (
        // biome-ignore lint/a11y/useSemanticElements: a toolbar's button groups are role=group per WAI-ARIA; a fieldset would be a form
        <div key={group[0]?.id} className="tandem-toolbar__group" role="group">
          {group.map((action) => {
            const { pressed, enabled } = state[action.id]
            const tabIndex = first ? 0 : -1
            first = false
            return (
              <button
                key={action.id}
                type="button"
                className="tandem-toolbar__button"
                data-active={pressed ? 'true' : undefined}
                aria-pressed={pressed}
                aria-label={action.label}
                aria-keyshortcuts={ariaKeyShortcuts(action.shortcut, apple)}
                title={`${action.label} (${formatShortcut(action.shortcut, apple)})`}
                aria-disabled={!enabled || undefined}
                tabIndex={tabIndex}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => {
                  if (editor && enabled) action.run(editor)
                }}
              >
                {CONTENT[action.id]}
              </button>
            )
          })}
        </div>
      ))}
    </div>
  )
}
