import type { Editor } from '@tiptap/core'
import {
  ariaKeyShortcuts,
  FORMATTING_GROUPS,
  type FormattingAction,
  type FormattingId,
  formatShortcut,
  isApplePlatform,
  readFormattingState,
} from '../editor/formatting'
import { el, icon } from './dom'
import { ICONS } from './icons'

const headingText = (text: string) => () => el('span', { class: 'tandem-toolbar__text' }, [text])

/** Every button but Link, which opens a prompt this toolbar has none of. */
const CONTENT: Record<Exclude<FormattingId, 'link'>, () => Node> = {
  undo: () => icon(ICONS.undo),
  redo: () => icon(ICONS.redo),
  h1: headingText('H1'),
  h2: headingText('H2'),
  h3: headingText('H3'),
  bold: () => icon(ICONS.bold),
  italic: () => icon(ICONS.italic),
  strike: () => icon(ICONS.strike),
  code: () => icon(ICONS.code),
  bulletList: () => icon(ICONS.bulletList),
  orderedList: () => icon(ICONS.orderedList),
  blockquote: () => icon(ICONS.blockquote),
  codeBlock: () => icon(ICONS.codeBlock),
}

/**
 * The formatting toolbar without React: EditorToolbar's markup, classes and buttons
 * (lib/editor/formatting.ts), one tab stop (arrow keys, Home and End move between buttons),
 * buttons that keep the editor's selection and report their state with aria-pressed.
 */
export function createToolbar(editor: Editor): { element: HTMLElement; destroy(): void } {
  const apple = isApplePlatform()
  const toolbar = el('div', { role: 'toolbar', 'aria-label': 'Formatting', class: 'tandem-toolbar' })
  const buttons: { action: FormattingAction; button: HTMLButtonElement }[] = []
  for (const group of FORMATTING_GROUPS) {
    const groupElement = el('div', { role: 'group', class: 'tandem-toolbar__group' })
    for (const action of group) {
      if (action.id === 'link') continue
      const button = el('button', {
        type: 'button',
        class: 'tandem-toolbar__button',
        'aria-label': action.label,
        'aria-keyshortcuts': ariaKeyShortcuts(action.shortcut, apple),
        title: `${action.label} (${formatShortcut(action.shortcut, apple)})`,
        tabindex: buttons.length === 0 ? '0' : '-1',
      })
      button.append(CONTENT[action.id]())
      button.addEventListener('mousedown', (event) => event.preventDefault())
      button.addEventListener('click', () => {
        if (readFormattingState(editor)[action.id].enabled) action.run(editor)
      })
      buttons.push({ action, button })
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
    const state = readFormattingState(editor)
    for (const { action, button } of buttons) {
      const { pressed, enabled } = state[action.id]
      if (pressed !== undefined) button.setAttribute('aria-pressed', String(pressed))
      if (pressed) button.dataset.active = 'true'
      else delete button.dataset.active
      if (enabled) button.removeAttribute('aria-disabled')
      else button.setAttribute('aria-disabled', 'true')
    }
  }
  update()
  editor.on('transaction', update)
  // setEditable emits 'update' without a transaction.
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
