import type { Editor } from '@tiptap/core'
import { editorFiles, pickImage } from './image-upload'
import { canRequestLinkPrompt, requestLinkPrompt } from './link-editing'

/**
 * The toolbar's actions, one list for the React toolbar and the DOM-only one (lib/mount): what
 * each button is called, its shortcut (Tiptap's own), what it does, when it shows as pressed
 * and when it can run. TABLE_ACTIONS are the controls shown while the selection is in a table.
 */
export type FormattingId =
  | 'undo'
  | 'redo'
  | 'h1'
  | 'h2'
  | 'h3'
  | 'bold'
  | 'italic'
  | 'underline'
  | 'strike'
  | 'code'
  | 'highlight'
  | 'link'
  | 'bulletList'
  | 'orderedList'
  | 'taskList'
  | 'blockquote'
  | 'codeBlock'
  | 'image'
  | 'alignLeft'
  | 'alignCenter'
  | 'alignRight'
  | 'horizontalRule'
  | 'table'
  | TableActionId

export type TableActionId =
  | 'addRowBefore'
  | 'addRowAfter'
  | 'addColumnBefore'
  | 'addColumnAfter'
  | 'deleteRow'
  | 'deleteColumn'
  | 'toggleHeaderRow'
  | 'deleteTable'

export interface FormattingAction {
  id: FormattingId
  label: string
  /** Tiptap notation: `Mod-Shift-8`. Absent: no shortcut (inserting a rule, a table, an image). */
  shortcut?: string
  run(editor: Editor): void
  /** Absent: a command, not a toggle (no aria-pressed). */
  isActive?(editor: Editor): boolean
  /** Absent: always available while the editor is editable. */
  canRun?(editor: Editor): boolean
  /**
   * Less used: on a narrower toolbar it moves into the "More" menu, from a medium width (under
   * 800 px) or only on a narrow one (under 600 px, a phone). A group whose actions all move
   * moves whole, so no divider is left behind. Absent: always on the toolbar.
   */
  moreMenu?: MoreMenuLevel
}

export type MoreMenuLevel = 'medium' | 'narrow'

/** Below which toolbar width the action moves into "More" (see FormattingAction.moreMenu). */
export function moreMenuLevel(action: FormattingAction): MoreMenuLevel | undefined {
  return action.moreMenu
}

const heading = (level: 1 | 2 | 3): FormattingAction => ({
  id: `h${level}`,
  label: `Heading ${level}`,
  shortcut: `Mod-Alt-${level}`,
  run: (e) => e.chain().focus().toggleHeading({ level }).run(),
  isActive: (e) => e.isActive('heading', { level }),
  moreMenu: 'narrow',
})

const ALIGNMENTS = ['left', 'center', 'right'] as const
type Alignment = (typeof ALIGNMENTS)[number]

/** Left is also what a block without an alignment shows. */
function alignmentOf(editor: Editor): Alignment | 'justify' {
  for (const value of ['center', 'right', 'justify'] as const) if (editor.isActive({ textAlign: value })) return value
  return 'left'
}

const align = (id: FormattingId, value: Alignment, label: string, key: string): FormattingAction => ({
  id,
  label,
  shortcut: `Mod-Shift-${key}`,
  run: (e) => e.chain().focus().setTextAlign(value).run(),
  isActive: (e) => alignmentOf(e) === value,
  canRun: (e) => e.can().setTextAlign(value),
  moreMenu: 'medium',
})

export const FORMATTING_GROUPS: readonly (readonly FormattingAction[])[] = [
  [
    { id: 'undo', label: 'Undo', shortcut: 'Mod-z', run: (e) => e.chain().focus().undo().run(), canRun: (e) => e.can().undo() },
    { id: 'redo', label: 'Redo', shortcut: 'Mod-Shift-z', run: (e) => e.chain().focus().redo().run(), canRun: (e) => e.can().redo() },
  ],
  [heading(1), heading(2), heading(3)],
  [
    { id: 'bold', label: 'Bold', shortcut: 'Mod-b', run: (e) => e.chain().focus().toggleBold().run(), isActive: (e) => e.isActive('bold') },
    {
      id: 'italic',
      label: 'Italic',
      shortcut: 'Mod-i',
      run: (e) => e.chain().focus().toggleItalic().run(),
      isActive: (e) => e.isActive('italic'),
    },
    {
      id: 'underline',
      label: 'Underline',
      shortcut: 'Mod-u',
      run: (e) => e.chain().focus().toggleUnderline().run(),
      isActive: (e) => e.isActive('underline'),
    },
  ],
  [
    {
      id: 'strike',
      label: 'Strikethrough',
      shortcut: 'Mod-Shift-s',
      run: (e) => e.chain().focus().toggleStrike().run(),
      isActive: (e) => e.isActive('strike'),
      moreMenu: 'narrow',
    },
    {
      id: 'highlight',
      label: 'Highlight',
      shortcut: 'Mod-Shift-h',
      run: (e) => e.chain().focus().toggleHighlight().run(),
      isActive: (e) => e.isActive('highlight'),
      moreMenu: 'narrow',
    },
    {
      id: 'code',
      label: 'Inline code',
      shortcut: 'Mod-e',
      run: (e) => e.chain().focus().toggleCode().run(),
      isActive: (e) => e.isActive('code'),
      moreMenu: 'narrow',
    },
    {
      id: 'link',
      label: 'Link',
      shortcut: 'Mod-k',
      run: (e) => requestLinkPrompt(e),
      isActive: (e) => e.isActive('link'),
      // Opens the page's link prompt (lib/react/link-prompt.tsx); the DOM-only toolbar has none and leaves Link out.
      canRun: canRequestLinkPrompt,
      // Narrow screens reach it in More, the bubble menu on a selection, and Ctrl+K.
      moreMenu: 'narrow',
    },
  ],
  [
    {
      id: 'bulletList',
      label: 'Bulleted list',
      shortcut: 'Mod-Shift-8',
      run: (e) => e.chain().focus().toggleBulletList().run(),
      isActive: (e) => e.isActive('bulletList'),
    },
    {
      id: 'orderedList',
      label: 'Numbered list',
      shortcut: 'Mod-Shift-7',
      run: (e) => e.chain().focus().toggleOrderedList().run(),
      isActive: (e) => e.isActive('orderedList'),
      moreMenu: 'narrow',
    },
    {
      id: 'taskList',
      label: 'Checklist',
      shortcut: 'Mod-Shift-9',
      run: (e) => e.chain().focus().toggleTaskList().run(),
      isActive: (e) => e.isActive('taskList'),
    },
  ],
  [
    {
      id: 'blockquote',
      label: 'Quote',
      shortcut: 'Mod-Shift-b',
      run: (e) => e.chain().focus().toggleBlockquote().run(),
      isActive: (e) => e.isActive('blockquote'),
      moreMenu: 'medium',
    },
    {
      id: 'codeBlock',
      label: 'Code block',
      shortcut: 'Mod-Alt-c',
      run: (e) => e.chain().focus().toggleCodeBlock().run(),
      isActive: (e) => e.isActive('codeBlock'),
      moreMenu: 'medium',
    },
  ],
  [
    align('alignLeft', 'left', 'Align left', 'l'),
    align('alignCenter', 'center', 'Align centre', 'e'),
    align('alignRight', 'right', 'Align right', 'r'),
  ],
  [
    {
      id: 'horizontalRule',
      label: 'Horizontal rule',
      run: (e) => e.chain().focus().setHorizontalRule().run(),
      canRun: (e) => e.can().setHorizontalRule(),
      moreMenu: 'medium',
    },
    {
      id: 'table',
      label: 'Insert table',
      run: (e) => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(),
      canRun: (e) => !e.isActive('table') && e.can().insertTable({ rows: 3, cols: 3, withHeaderRow: true }),
      moreMenu: 'medium',
    },
  ],
  [
    {
      id: 'image',
      label: 'Image',
      run: (e) => pickImage(e),
      moreMenu: 'medium',
      // Only where images can be uploaded (an editor given the document's files).
      canRun: (e) => editorFiles(e) !== null,
    },
  ],
]

const tableAction = (id: TableActionId, label: string, can: (e: Editor) => boolean, run: (e: Editor) => void): FormattingAction => ({
  id,
  label,
  run,
  canRun: can,
})

/** Shown while the selection is in a table (see isInTable). */
export const TABLE_ACTIONS: readonly FormattingAction[] = [
  tableAction(
    'addRowBefore',
    'Add row above',
    (e) => e.can().addRowBefore(),
    (e) => e.chain().focus().addRowBefore().run(),
  ),
  tableAction(
    'addRowAfter',
    'Add row below',
    (e) => e.can().addRowAfter(),
    (e) => e.chain().focus().addRowAfter().run(),
  ),
  tableAction(
    'addColumnBefore',
    'Add column left',
    (e) => e.can().addColumnBefore(),
    (e) => e.chain().focus().addColumnBefore().run(),
  ),
  tableAction(
    'addColumnAfter',
    'Add column right',
    (e) => e.can().addColumnAfter(),
    (e) => e.chain().focus().addColumnAfter().run(),
  ),
  tableAction(
    'deleteRow',
    'Delete row',
    (e) => e.can().deleteRow(),
    (e) => e.chain().focus().deleteRow().run(),
  ),
  tableAction(
    'deleteColumn',
    'Delete column',
    (e) => e.can().deleteColumn(),
    (e) => e.chain().focus().deleteColumn().run(),
  ),
  {
    ...tableAction(
      'toggleHeaderRow',
      'Header row',
      (e) => e.can().toggleHeaderRow(),
      (e) => e.chain().focus().toggleHeaderRow().run(),
    ),
    isActive: (e) => headerRowIsOn(e),
  },
  tableAction(
    'deleteTable',
    'Delete table',
    (e) => e.can().deleteTable(),
    (e) => e.chain().focus().deleteTable().run(),
  ),
]

/** Whether the selection is in a table, where TABLE_ACTIONS apply. */
export function isInTable(editor: Editor | null): boolean {
  return editor !== null && !editor.isDestroyed && editor.isActive('table')
}

/** Whether the first row of the table around the selection is a header row. */
function headerRowIsOn(editor: Editor): boolean {
  const { $from } = editor.state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    const node = $from.node(depth)
    if (node.type.name === 'table') {
      const firstRow = node.firstChild
      return firstRow !== null && firstRow.childCount > 0 && firstRow.content.content.every((cell) => cell.type.name === 'tableHeader')
    }
  }
  return false
}

export interface ButtonState {
  /** Undefined for commands (no aria-pressed). */
  pressed: boolean | undefined
  enabled: boolean
}

/** Every button's state; all disabled without an editor or while it is read-only. */
export function readFormattingState(editor: Editor | null): Record<FormattingId, ButtonState> {
  const usable = editor !== null && !editor.isDestroyed && editor.isEditable
  const state = {} as Record<FormattingId, ButtonState>
  for (const action of [...FORMATTING_GROUPS.flat(), ...TABLE_ACTIONS]) {
    const live = editor && !editor.isDestroyed ? editor : null
    state[action.id] = {
      pressed: action.isActive ? (live ? action.isActive(live) : false) : undefined,
      enabled: usable && (action.canRun && live ? action.canRun(live) : true),
    }
  }
  return state
}

/** Apple platforms show ⌘ and ⌥. */
export function isApplePlatform(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad|iPod/.test(navigator.platform || navigator.userAgent)
}

/** A button's tooltip: its label, and its shortcut if it has one. */
export function buttonTitle(action: FormattingAction, apple: boolean): string {
  return action.shortcut ? `${action.label} (${formatShortcut(action.shortcut, apple)})` : action.label
}

/** Turns `Mod-Shift-8` into `Ctrl+Shift+8` or `⌘⇧8`. */
export function formatShortcut(shortcut: string, apple: boolean): string {
  const parts = shortcut.split('-')
  if (apple) {
    const map: Record<string, string> = { Mod: '⌘', Shift: '⇧', Alt: '⌥', Ctrl: '⌃' }
    return parts.map((p) => map[p] ?? p.toUpperCase()).join('')
  }
  const map: Record<string, string> = { Mod: 'Ctrl', Shift: 'Shift', Alt: 'Alt', Ctrl: 'Ctrl' }
  return parts.map((p) => map[p] ?? p.toUpperCase()).join('+')
}

/** The `aria-keyshortcuts` value: `Control+Shift+8` or `Meta+Shift+8`. */
export function ariaKeyShortcuts(shortcut: string | undefined, apple: boolean): string | undefined {
  if (!shortcut) return undefined
  return shortcut.replace('Mod', apple ? 'Meta' : 'Control').replaceAll('-', '+')
}
