'use client'

import type { Editor } from '@tiptap/core'
import { NodeSelection } from '@tiptap/pm/state'
import { useEditorState } from '@tiptap/react'
import { BubbleMenu } from '@tiptap/react/menus'
import { type KeyboardEvent, type ReactNode, useRef } from 'react'
import { ariaKeyShortcuts, formatShortcut } from '../editor/formatting'
import { canRequestLinkPrompt, requestLinkPrompt } from '../editor/link-editing'
import { BoldIcon, CodeIcon, ItalicIcon, LinkIcon, StrikeIcon } from './icons'
import { HighlightIcon, UnderlineIcon } from './menu-icons'
import { useIsApple } from './use-platform'

interface BubbleAction {
  id: string
  label: string
  shortcut: string
  icon: ReactNode
  /** The mark this button toggles (what aria-pressed reports). */
  mark: string
  run(editor: Editor): void
  canRun?(editor: Editor): boolean
}

const ACTIONS: readonly BubbleAction[] = [
  { id: 'bold', label: 'Bold', shortcut: 'Mod-b', icon: <BoldIcon />, mark: 'bold', run: (e) => e.chain().focus().toggleBold().run() },
  {
    id: 'italic',
    label: 'Italic',
    shortcut: 'Mod-i',
    icon: <ItalicIcon />,
    mark: 'italic',
    run: (e) => e.chain().focus().toggleItalic().run(),
  },
  {
    id: 'underline',
    label: 'Underline',
    shortcut: 'Mod-u',
    icon: <UnderlineIcon />,
    mark: 'underline',
    run: (e) => e.chain().focus().toggleUnderline().run(),
  },
  {
    id: 'strike',
    label: 'Strikethrough',
    shortcut: 'Mod-Shift-s',
    icon: <StrikeIcon />,
    mark: 'strike',
    run: (e) => e.chain().focus().toggleStrike().run(),
  },
  {
    id: 'code',
    label: 'Inline code',
    shortcut: 'Mod-e',
    icon: <CodeIcon />,
    mark: 'code',
    run: (e) => e.chain().focus().toggleCode().run(),
  },
  {
    id: 'highlight',
    label: 'Highlight',
    shortcut: 'Mod-Shift-h',
    icon: <HighlightIcon />,
    mark: 'highlight',
    run: (e) => e.chain().focus().toggleHighlight().run(),
  },
  {
    id: 'link',
    label: 'Link',
    shortcut: 'Mod-k',
    icon: <LinkIcon />,
    mark: 'link',
    run: (e) => requestLinkPrompt(e),
    canRun: canRequestLinkPrompt,
  },
]

/**
 * Formatting next to selected text: Tiptap's BubbleMenu, shown for a text selection in an
 * editable editor only (not for a selected image or table cell block, not for viewers). A
 * toolbar like the main one: one tab stop, arrow keys move, buttons keep the selection.
 */
export function SelectionBubbleMenu({ editor }: { editor: Editor }) {
  const apple = useIsApple()
  const ref = useRef<HTMLDivElement>(null)
  const pressed = useEditorState({
    editor,
    selector: ({ editor: e }) => Object.fromEntries(ACTIONS.map((a) => [a.id, e.isActive(a.mark)])) as Record<string, boolean>,
  })

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = Array.from(ref.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement)
    if (index < 0) return
    if (event.key === 'Escape') {
      event.preventDefault()
      editor.commands.focus()
      return
    }
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

  return (
    <BubbleMenu
      editor={editor}
      pluginKey="tandemSelectionMenu"
      shouldShow={({ editor: e, state, from, to }) =>
        e.isEditable && from !== to && !(state.selection instanceof NodeSelection) && !e.isActive('codeBlock')
      }
      options={{ placement: 'top', offset: 8, flip: true, shift: { padding: 8 } }}
    >
      <div ref={ref} role="toolbar" aria-label="Text formatting" className="tandem-bubble" data-testid="bubble-menu" onKeyDown={onKeyDown}>
        {ACTIONS.map((action, i) => (
          <button
            key={action.id}
            type="button"
            className="tandem-toolbar__button"
            data-action={action.id}
            data-active={pressed?.[action.id] ? 'true' : undefined}
            aria-pressed={action.id === 'link' ? undefined : (pressed?.[action.id] ?? false)}
            aria-label={action.label}
            aria-keyshortcuts={ariaKeyShortcuts(action.shortcut, apple)}
            title={`${action.label} (${formatShortcut(action.shortcut, apple)})`}
            tabIndex={i === 0 ? 0 : -1}
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => {
              if (!action.canRun || action.canRun(editor)) action.run(editor)
            }}
          >
            {action.icon}
          </button>
        ))}
      </div>
    </BubbleMenu>
  )
}
