'use client'

import type { Editor } from '@tiptap/core'
import { useEditorState } from '@tiptap/react'
import { type KeyboardEvent, type ReactNode, useId, useRef, useState } from 'react'
import {
  ariaKeyShortcuts,
  type ButtonState,
  buttonTitle,
  FORMATTING_GROUPS,
  type FormattingAction,
  type FormattingId,
  formatShortcut,
  isInTable,
  moreMenuLevel,
  readFormattingState,
  TABLE_ACTIONS,
} from '../editor/formatting'
import {
  BoldIcon,
  BulletListIcon,
  CodeBlockIcon,
  CodeIcon,
  ImageIcon,
  ItalicIcon,
  LinkIcon,
  OrderedListIcon,
  QuoteIcon,
  RedoIcon,
  ShapeIcon,
  StrikeIcon,
  UndoIcon,
} from './icons'
import { useDismissableMenu } from './use-dismissable-menu'
import { useIsApple } from './use-platform'

const CONTENT: Record<FormattingId, ReactNode> = {
  undo: <UndoIcon />,
  redo: <RedoIcon />,
  h1: <span className="tandem-toolbar__text">H1</span>,
  h2: <span className="tandem-toolbar__text">H2</span>,
  h3: <span className="tandem-toolbar__text">H3</span>,
  bold: <BoldIcon />,
  italic: <ItalicIcon />,
  underline: <ShapeIcon name="underline" />,
  strike: <StrikeIcon />,
  code: <CodeIcon />,
  highlight: <ShapeIcon name="highlight" />,
  link: <LinkIcon />,
  bulletList: <BulletListIcon />,
  orderedList: <OrderedListIcon />,
  taskList: <ShapeIcon name="taskList" />,
  blockquote: <QuoteIcon />,
  codeBlock: <CodeBlockIcon />,
  alignLeft: <ShapeIcon name="alignLeft" />,
  alignCenter: <ShapeIcon name="alignCenter" />,
  alignRight: <ShapeIcon name="alignRight" />,
  horizontalRule: <ShapeIcon name="horizontalRule" />,
  table: <ShapeIcon name="table" />,
  addRowBefore: <ShapeIcon name="addRowBefore" />,
  addRowAfter: <ShapeIcon name="addRowAfter" />,
  addColumnBefore: <ShapeIcon name="addColumnBefore" />,
  addColumnAfter: <ShapeIcon name="addColumnAfter" />,
  deleteRow: <ShapeIcon name="deleteRow" />,
  deleteColumn: <ShapeIcon name="deleteColumn" />,
  toggleHeaderRow: <ShapeIcon name="toggleHeaderRow" />,
  deleteTable: <ShapeIcon name="deleteTable" />,
  image: <ImageIcon />,
}

/**
 * A button that shows text ("H1") is named with that text first ("H1 Heading 1"): people who
 * steer by voice say what they see (WCAG 2.5.3, label in name). Icon buttons keep their label.
 */
function nameWithVisibleText(label: string, content: ReactNode): string {
  const props = typeof content === 'object' && content !== null && 'props' in content ? (content.props as { children?: unknown }) : null
  return typeof props?.children === 'string' ? `${props.children} ${label}` : label
}

interface ToolbarState {
  buttons: Record<FormattingId, ButtonState>
  inTable: boolean
}

const readState = (editor: Editor | null): ToolbarState => ({ buttons: readFormattingState(editor), inTable: isInTable(editor) })

/** Buttons a person can see right now (the ones moved into "More" are display: none). */
const visibleButtons = (root: HTMLElement | null, selector: string) =>
  Array.from(root?.querySelectorAll<HTMLButtonElement>(selector) ?? []).filter((button) => button.getClientRects().length > 0)

/** Arrow keys, Home and End: the index to move focus to, or undefined for any other key. */
function nextIndex(key: string, index: number, count: number, forward: string, backward: string): number | undefined {
  if (key === forward) return (index + 1) % count
  if (key === backward) return (index - 1 + count) % count
  if (key === 'Home') return 0
  if (key === 'End') return count - 1
  return undefined
}

/**
 * Formatting toolbar. One tab stop (the toolbar pattern): arrow keys, Home and End move
 * between buttons. Buttons keep the editor's selection (no focus steal on mouse down) and
 * report their state with aria-pressed. The buttons are lib/editor/formatting.ts's; while the
 * selection is in a table, a second row holds the table's controls. On a narrow toolbar the
 * less used groups move into a "More" menu (CSS container queries decide which, so nothing
 * wraps and no divider is left at a row's end).
 */
export function EditorToolbar({ editor, className }: { editor: Editor | null; className?: string }) {
  const state = useEditorState({ editor, selector: ({ editor: e }) => readState(e) }) ?? readState(null)
  const apple = useIsApple()
  const ref = useRef<HTMLDivElement>(null)
  const [focused, setFocused] = useState<FormattingId | 'more'>('undo')

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if ((event.target as HTMLElement).closest('[role="menu"]')) return
    const buttons = visibleButtons(ref.current, '[data-toolbar-item]')
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement)
    if (index < 0) return
    const next = nextIndex(event.key, index, buttons.length, 'ArrowRight', 'ArrowLeft')
    if (next === undefined) return
    event.preventDefault()
    buttons[next]?.focus()
  }

  const button = (action: FormattingAction) => {
    const { pressed, enabled } = state.buttons[action.id]
    return (
      <button
        key={action.id}
        type="button"
        className="tandem-toolbar__button"
        data-toolbar-item={action.id}
        data-more={moreMenuLevel(action)}
        data-active={pressed ? 'true' : undefined}
        aria-pressed={pressed}
        aria-label={nameWithVisibleText(action.label, CONTENT[action.id])}
        aria-keyshortcuts={ariaKeyShortcuts(action.shortcut, apple)}
        title={buttonTitle(action, apple)}
        aria-disabled={!enabled || undefined}
        tabIndex={focused === action.id ? 0 : -1}
        onFocus={() => setFocused(action.id)}
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => {
          if (editor && enabled) action.run(editor)
        }}
      >
        {CONTENT[action.id]}
      </button>
    )
  }

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
        <div key={group[0]?.id} className="tandem-toolbar__group" role="group" data-more={groupMoreLevel(group)}>
          {group.map(button)}
        </div>
      ))}
      <MoreMenu
        editor={editor}
        state={state.buttons}
        apple={apple}
        tabIndex={focused === 'more' ? 0 : -1}
        onFocus={() => setFocused('more')}
      />
      {state.inTable && (
        // biome-ignore lint/a11y/useSemanticElements: see above
        <div className="tandem-toolbar__group tandem-toolbar__table" role="group" aria-label="Table" data-testid="table-controls">
          <span className="tandem-toolbar__caption" aria-hidden="true">
            Table
          </span>
          {TABLE_ACTIONS.map(button)}
        </div>
      )}
    </div>
  )
}

/** A group moves into "More" whole only when every action in it does, at the latest one's width. */
function groupMoreLevel(group: readonly FormattingAction[]): string | undefined {
  const levels = group.map(moreMenuLevel)
  if (levels.some((level) => level === undefined)) return undefined
  return levels.includes('narrow') ? 'narrow' : 'medium'
}

/**
 * "More": the less used actions, for a toolbar too narrow to show them (CSS shows the button
 * and, in the menu, exactly the items hidden from the bar). A menu button: aria-haspopup and
 * aria-expanded, Enter, Space or ArrowDown open it on its first item, arrow keys, Home and End
 * move, Escape closes it and returns focus here, choosing an item runs it and closes it.
 */
function MoreMenu({
  editor,
  state,
  apple,
  tabIndex,
  onFocus,
}: {
  editor: Editor | null
  state: Record<FormattingId, ButtonState>
  apple: boolean
  tabIndex: number
  onFocus: () => void
}) {
  const [open, setOpen] = useState(false)
  const rootRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const menuRef = useRef<HTMLDivElement>(null)
  const menuId = useId()
  const items = () => visibleButtons(menuRef.current, '[role^="menuitem"]')

  useDismissableMenu({ open, close: () => setOpen(false), root: rootRef, button: buttonRef, onOpen: () => items()[0]?.focus() })

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Tab') {
      setOpen(false)
      return
    }
    const list = items()
    const next = nextIndex(event.key, list.indexOf(document.activeElement as HTMLButtonElement), list.length, 'ArrowDown', 'ArrowUp')
    if (next === undefined) return
    event.preventDefault()
    list[next]?.focus()
  }

  return (
    <div ref={rootRef} className="tandem-toolbar__group tandem-toolbar__more">
      <button
        ref={buttonRef}
        type="button"
        className="tandem-toolbar__button"
        data-toolbar-item="more"
        aria-label="More formatting"
        title="More formatting"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        tabIndex={tabIndex}
        onFocus={onFocus}
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => setOpen((value) => !value)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault()
            setOpen(true)
          }
        }}
      >
        <ShapeIcon name="more" />
      </button>
      {open && (
        <div ref={menuRef} id={menuId} role="menu" aria-label="More formatting" className="tandem-toolbar__menu" onKeyDown={onMenuKeyDown}>
          {FORMATTING_GROUPS.flat()
            .filter((action) => moreMenuLevel(action) !== undefined)
            .map((action) => {
              const { pressed, enabled } = state[action.id]
              return (
                <button
                  key={action.id}
                  type="button"
                  // A toggle is a menuitemcheckbox reporting aria-checked; a command a menuitem.
                  {...(pressed === undefined ? { role: 'menuitem' } : { role: 'menuitemcheckbox', 'aria-checked': pressed })}
                  aria-disabled={!enabled || undefined}
                  aria-keyshortcuts={ariaKeyShortcuts(action.shortcut, apple)}
                  className="tandem-toolbar__menu-item"
                  data-menu-item={action.id}
                  data-more={moreMenuLevel(action)}
                  data-active={pressed ? 'true' : undefined}
                  tabIndex={-1}
                  onMouseDown={(event) => event.preventDefault()}
                  onClick={() => {
                    if (!editor || !enabled) return
                    setOpen(false)
                    action.run(editor)
                  }}
                >
                  <span className="tandem-toolbar__menu-icon">{CONTENT[action.id]}</span>
                  <span className="tandem-toolbar__menu-label">{action.label}</span>
                  {action.shortcut && <kbd className="tandem-toolbar__menu-shortcut">{formatShortcut(action.shortcut, apple)}</kbd>}
                </button>
              )
            })}
        </div>
      )}
    </div>
  )
}
