import type { Editor } from '@tiptap/core'
import { el, icon } from './dom'
import { ICONS } from './icons'

interface ButtonSpec {
  label: string
  shortcut: string
  content: () => Node
  run: (editor: Editor) => void
  active?: (editor: Editor) => boolean
  enabled?: (editor: Editor) => boolean
}

const heading = (level: 1 | 2 | 3): ButtonSpec => ({
  label: `Heading ${level}`,
  shortcut: `Mod-Alt-${level}`,
  content: () => el('span', { class: 'tandem-toolbar__text' }, [`H${level}`]),
  run: (e) => e.chain().focus().toggleHeading({ level }).run(),
  active: (e) => e.isActive('heading', { level }),
})

const mark = (name: 'bold' | 'italic' | 'strike' | 'code', label: string, shortcut: string, toggle: (e: Editor) => void): ButtonSpec => ({
  label,
  shortcut,
  content: () => icon(ICONS[name]),
  run: toggle,
  active: (e) => e.isActive(name),
})

/** The same buttons, order, labels and shortcuts as the React EditorToolbar. */
const GROUPS: ButtonSpec[][] = [
  [
    {
      label: 'Undo',
      shortcut: 'Mod-z',
      content: () => icon(ICONS.undo),
      run: (e) => e.chain().focus().undo().run(),
      enabled: (e) => e.can().undo(),
    },
    {
      label: 'Redo',
      shortcut: 'Mod-Shift-z',
      content: () => icon(ICONS.redo),
      run: (e) => e.chain().focus().redo().run(),
      enabled: (e) => e.can().redo(),
    },
  ],
  [heading(1), heading(2), heading(3)],
  [
    mark('bold', 'Bold', 'Mod-b', (e) => e.chain().focus().toggleBold().run()),
    mark('italic', 'Italic', 'Mod-i', (e) => e.chain().focus().toggleItalic().run()),
    mark('strike', 'Strikethrough', 'Mod-Shift-s', (e) => e.chain().focus().toggleStrike().run()),
    mark('code', 'Inline code', 'Mod-e', (e) => e.chain().focus().toggleCode().run()),
  ],
  [
    {
      label: 'Bulleted list',
      shortcut: 'Mod-Shift-8',
      content: () => icon(ICONS.bulletList),
      run: (e) => e.chain().focus().toggleBulletList().run(),
      active: (e) => e.isActive('bulletList'),
    },
    {
      label: 'Numbered list',
      shortcut: 'Mod-Shift-7',
      content: () => icon(ICONS.orderedList),
      run: (e) => e.chain().focus().toggleOrderedList().run(),
      active: (e) => e.isActive('orderedList'),
    },
    {
      label: 'Quote',
      shortcut: 'Mod-Shift-b',
      content: () => icon(ICONS.blockquote),
      run: (e) => e.chain().focus().toggleBlockquote().run(),
      active: (e) => e.isActive('blockquote'),
    },
    {
      label: 'Code block',
      shortcut: 'Mod-Alt-c',
      content: () => icon(ICONS.codeBlock),
      run: (e) => e.chain().focus().toggleCodeBlock().run(),
      active: (e) => e.isActive('codeBlock'),
    },
  ],
]

function isApple(): boolean {
  return /Mac|iPhone|iPad|iPod/.test(navigator.platform || navigator.userAgent)
}

function formatShortcut(shortcut: string, apple: boolean): string {
  const parts = shortcut.split('-')
  const map: Record<string, string> = apple
    ? { Mod: '⌘', Shift: '⇧', Alt: '⌥', Ctrl: '⌃' }
    : { Mod: 'Ctrl', Shift: 'Shift', Alt: 'Alt', Ctrl: 'Ctrl' }
  return parts.map((p) => map[p] ?? p.toUpperCase()).join(apple ? '' : '+')
}

/**
 * The formatting toolbar without React: the markup and classes of EditorToolbar, one tab stop
 * (arrow keys, Home and End move between buttons), buttons that keep the editor's selection and
 * report their state with aria-pressed. Returns the element and its teardown.
 */
export function createToolbar(editor: Editor): { element: HTMLElement; destroy(): void } {
  const apple = isApple()
  const toolbar = el('div', { role: 'toolbar', 'aria-label': 'Formatting', class: 'tandem-toolbar' })
  const buttons: { spec: ButtonSpec; button: HTMLButtonElement }[] = []
  for (const group of GROUPS) {
    const groupElement = el('div', { role: 'group', class: 'tandem-toolbar__group' })
    for (const spec of group) {
      const button = el('button', {
        type: 'button',
        class: 'tandem-toolbar__button',
        'aria-label': spec.label,
        'aria-keyshortcuts': spec.shortcut.replace('Mod', apple ? 'Meta' : 'Control').replaceAll('-', '+'),
        title: `${spec.label} (${formatShortcut(spec.shortcut, apple)})`,
        tabindex: buttons.length === 0 ? '0' : '-1',
      })
      button.append(spec.content())
      button.addEventListener('mousedown', (event) => event.preventDefault())
      button.addEventListener('click', () => {
        if (editor.isEditable && !editor.isDestroyed && (spec.enabled?.(editor) ?? true)) spec.run(editor)
      })
      buttons.push({ spec, button })
      groupElement.append(button)
    }
    toolbar.append(groupElement)
  }

  toolbar.addEventListener('keydown', (event) => {
    const list = buttons.map((b) => b.button)
    const index = list.indexOf(document.activeElement as HTMLButtonElement)
    if (index < 0) return
    let next = index
    if (event.key === 'ArrowRight') next = (index + 1) % list.length
    else if (event.key === 'ArrowLeft') next = (index - 1 + list.length) % list.length
    else if (event.key === 'Home') next = 0
    else if (event.key === 'End') next = list.length - 1
    else return
    event.preventDefault()
    for (const [i, button] of list.entries()) button.tabIndex = i === next ? 0 : -1
    list[next]?.focus()
  })

  const update = () => {
    if (editor.isDestroyed) return
    const editable = editor.isEditable
    for (const { spec, button } of buttons) {
      const enabled = editable && (spec.enabled?.(editor) ?? true)
      if (spec.active) {
        const pressed = spec.active(editor)
        button.setAttribute('aria-pressed', String(pressed))
        if (pressed) button.dataset.active = 'true'
        else delete button.dataset.active
      }
      if (enabled) button.removeAttribute('aria-disabled')
      else button.setAttribute('aria-disabled', 'true')
    }
  }
  update()
  editor.on('transaction', update)
  editor.on('update', update)
  return {
    element: toolbar,
    destroy() {
      editor.off('transaction', update)
      editor.off('update', update)
      toolbar.remove()
    },
  }
}
