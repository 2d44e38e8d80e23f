'use client'

import type { Editor } from '@tiptap/core'
import { useEditorState } from '@tiptap/react'
import { type KeyboardEvent, type ReactNode, useRef } from 'react'
import {
  BoldIcon,
  BulletListIcon,
  CodeBlockIcon,
  CodeIcon,
  ItalicIcon,
  OrderedListIcon,
  QuoteIcon,
  RedoIcon,
  StrikeIcon,
  UndoIcon,
} from './icons'
import { formatShortcut, useIsApple } from './use-platform'

interface ToolbarState {
  editable: boolean
  bold: boolean
  italic: boolean
  strike: boolean
  code: boolean
  h1: boolean
  h2: boolean
  h3: boolean
  bulletList: boolean
  orderedList: boolean
  blockquote: boolean
  codeBlock: boolean
  canUndo: boolean
  canRedo: boolean
}

interface ButtonSpec {
  id: keyof ToolbarState | 'undo' | 'redo'
  label: string
  shortcut: string
  icon: ReactNode
  run: (editor: Editor) => void
  active?: keyof ToolbarState
  enabled?: keyof ToolbarState
}

const GROUPS: ButtonSpec[][] = [
  [
    { id: 'undo', label: 'Undo', shortcut: 'Mod-z', icon: <UndoIcon />, run: (e) => e.chain().focus().undo().run(), enabled: 'canUndo' },
    {
      id: 'redo',
      label: 'Redo',
      shortcut: 'Mod-Shift-z',
      icon: <RedoIcon />,
      run: (e) => e.chain().focus().redo().run(),
      enabled: 'canRedo',
    },
  ],
  [
    {
      id: 'h1',
      label: 'Heading 1',
      shortcut: 'Mod-Alt-1',
      icon: <span className="tandem-toolbar__text">H1</span>,
      run: (e) => e.chain().focus().toggleHeading({ level: 1 }).run(),
      active: 'h1',
    },
    {
      id: 'h2',
      label: 'Heading 2',
      shortcut: 'Mod-Alt-2',
      icon: <span className="tandem-toolbar__text">H2</span>,
      run: (e) => e.chain().focus().toggleHeading({ level: 2 }).run(),
      active: 'h2',
    },
    {
      id: 'h3',
      label: 'Heading 3',
      shortcut: 'Mod-Alt-3',
      icon: <span className="tandem-toolbar__text">H3</span>,
      run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(),
      active: 'h3',
    },
  ],
  [
    { id: 'bold', label: 'Bold', shortcut: 'Mod-b', icon: <BoldIcon />, run: (e) => e.chain().focus().toggleBold().run(), active: 'bold' },
    {
      id: 'italic',
      label: 'Italic',
      shortcut: 'Mod-i',
      icon: <ItalicIcon />,
      run: (e) => e.chain().focus().toggleItalic().run(),
      active: 'italic',
    },
    {
      id: 'strike',
      label: 'Strikethrough',
      shortcut: 'Mod-Shift-s',
      icon: <StrikeIcon />,
      run: (e) => e.chain().focus().toggleStrike().run(),
      active: 'strike',
    },
    {
      id: 'code',
      label: 'Inline code',
      shortcut: 'Mod-e',
      icon: <CodeIcon />,
      run: (e) => e.chain().focus().toggleCode().run(),
      active: 'code',
    },
  ],
  [
    {
      id: 'bulletList',
      label: 'Bulleted list',
      shortcut: 'Mod-Shift-8',
      icon: <BulletListIcon />,
      run: (e) => e.chain().focus().toggleBulletList().run(),
      active: 'bulletList',
    },
    {
      id: 'orderedList',
      label: 'Numbered list',
      shortcut: 'Mod-Shift-7',
      icon: <OrderedListIcon />,
      run: (e) => e.chain().focus().toggleOrderedList().run(),
      active: 'orderedList',
    },
    {
      id: 'blockquote',
      label: 'Quote',
      shortcut: 'Mod-Shift-b',
      icon: <QuoteIcon />,
      run: (e) => e.chain().focus().toggleBlockquote().run(),
      active: 'blockquote',
    },
    {
      id: 'codeBlock',
      label: 'Code block',
      shortcut: 'Mod-Alt-c',
      icon: <CodeBlockIcon />,
      run: (e) => e.chain().focus().toggleCodeBlock().run(),
      active: 'codeBlock',
    },
  ],
]

const EMPTY: ToolbarState = {
  editable: false,
  bold: false,
  italic: false,
  strike: false,
  code: false,
  h1: false,
  h2: false,
  h3: false,
  bulletList: false,
  orderedList: false,
  blockquote: false,
  codeBlock: false,
  canUndo: false,
  canRedo: false,
}

function readState(editor: Editor | null): ToolbarState {
  if (!editor || editor.isDestroyed) return EMPTY
  return {
    editable: editor.isEditable,
    bold: editor.isActive('bold'),
    italic: editor.isActive('italic'),
    strike: editor.isActive('strike'),
    code: editor.isActive('code'),
    h1: editor.isActive('heading', { level: 1 }),
    h2: editor.isActive('heading', { level: 2 }),
    h3: editor.isActive('heading', { level: 3 }),
    bulletList: editor.isActive('bulletList'),
    orderedList: editor.isActive('orderedList'),
    blockquote: editor.isActive('blockquote'),
    codeBlock: editor.isActive('codeBlock'),
    canUndo: editor.can().undo(),
    canRedo: editor.can().redo(),
  }
}

/**
 * Formatting toolbar. One tab stop (the toolbar pattern): arrow keys, Home and End move
 * between buttons. Buttons keep the editor's selection (no focus steal on mouse down) and
 * report their state with aria-pressed.
 */
export function EditorToolbar({ editor, className }: { editor: Editor | null; className?: string }) {
  const state = useEditorState({ editor, selector: ({ editor: e }) => readState(e) }) ?? EMPTY
  const apple = useIsApple()
  const ref = useRef<HTMLDivElement>(null)
  const disabled = !editor || !state.editable

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
      {GROUPS.map((group) => (
        // biome-ignore lint/a11y/useSemanticElements: a toolbar's button groups are role=group per WAI-ARIA; a fieldset would be a form
        <div key={group[0]?.label} className="tandem-toolbar__group" role="group">
          {group.map((spec) => {
            const pressed = spec.active ? state[spec.active] : undefined
            const enabled = !disabled && (spec.enabled ? state[spec.enabled] : true)
            const tabIndex = first ? 0 : -1
            first = false
            const shortcut = formatShortcut(spec.shortcut, apple)
            return (
              <button
                key={spec.id}
                type="button"
                className="tandem-toolbar__button"
                data-active={pressed ? 'true' : undefined}
                aria-pressed={pressed}
                aria-label={spec.label}
                aria-keyshortcuts={spec.shortcut.replace('Mod', apple ? 'Meta' : 'Control').replaceAll('-', '+')}
                title={`${spec.label} (${shortcut})`}
                aria-disabled={!enabled || undefined}
                tabIndex={tabIndex}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => {
                  if (editor && enabled) spec.run(editor)
                }}
              >
                {spec.icon}
              </button>
            )
          })}
        </div>
      ))}
    </div>
  )
}
