import type { Editor } from '@tiptap/core'
import { canRequestLinkPrompt, requestLinkPrompt } from './link-editing'

/**
 * The toolbar's actions, one list for the React toolbar and the DOM-only one (lib/mount): what
 * each button is called, its shortcut (Tiptap's own), what it does, when it shows as pressed
 * and when it can run.
 */
export type FormattingId =
  | 'undo'
  | 'redo'
  | 'h1'
  | 'h2'
  | 'h3'
  | 'bold'
  | 'italic'
  | 'strike'
  | 'code'
  | 'link'
  | 'bulletList'
  | 'orderedList'
  | 'blockquote'
  | 'codeBlock'

export interface FormattingAction {
  id: FormattingId
  label: string
  /** Tiptap notation: `Mod-Shift-8`. */
  shortcut: string
  run(editor: Editor): void
  /** Absent: a command, not a toggle (no aria-pressed). */
  isActive?(editor: Editor): boolean
  /** Absent: always available while the editor is editable. */
  canRun?(editor: Editor): boolean
}

const heading = (level: 1 | 2 | 3): FormattingAction => ({
  id: `h${level}`,
  label: `Heading ${level}`,
  shortcut: `Mod-Alt-${level}`,
  run: (e) => e.chain().focus().toggleHeading({ level }).run(),
  isActive: (e) => e.isActive('heading', { level }),
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
      id: 'strike',
      label: 'Strikethrough',
      shortcut: 'Mod-Shift-s',
      run: (e) => e.chain().focus().toggleStrike().run(),
      isActive: (e) => e.isActive('strike'),
    },
    {
      id: 'code',
      label: 'Inline code',
      shortcut: 'Mod-e',
      run: (e) => e.chain().focus().toggleCode().run(),
      isActive: (e) => e.isActive('code'),
    },
    {
      id: 'link',
      label: 'Link',
      shortcut: 'Mod-k',
      run: (e) => requestLinkPrompt(e),
      isActive: (e) => e.isActive('link'),
      // Opens the page's link prompt (lib/react/link-prompt.tsx); the DOM-only toolbar has none and leaves Link out.
      canRun: canRequestLinkPrompt,
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
    },
    {
      id: 'blockquote',
      label: 'Quote',
      shortcut: 'Mod-Shift-b',
      run: (e) => e.chain().focus().toggleBlockquote().run(),
      isActive: (e) => e.isActive('blockquote'),
    },
    {
      id: 'codeBlock',
      label: 'Code block',
      shortcut: 'Mod-Alt-c',
      run: (e) => e.chain().focus().toggleCodeBlock().run(),
      isActive: (e) => e.isActive('codeBlock'),
    },
  ],
]

export interface ButtonState {
  /** Undefined for commands (no aria-pressed). */
  pressed: boolean | undefined
  enabled: boolean
}

/** Every button's state; all disabled without an editor or while it is read-only. */
export function readFormattingState(editor: Editor | null): Record<FormattingId, ButtonState> {
  const usable = editor !== null && !editor.isDestroyed && editor.isEditable
  const state = {} as Record<FormattingId, ButtonState>
  for (const action of FORMATTING_GROUPS.flat()) {
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
export function ariaKeyShortcuts(shortcut: string, apple: boolean): string {
  return shortcut.replace('Mod', apple ? 'Meta' : 'Control').replaceAll('-', '+')
}
