import type { Editor } from '@tiptap/core'
import {
  ariaKeyShortcuts,
  buttonTitle,
  FORMATTING_GROUPS,
  type FormattingAction,
  type FormattingId,
  isApplePlatform,
  isInTable,
  readFormattingState,
  TABLE_ACTIONS,
} from '../editor/formatting'
import { ICON_SHAPES, type IconName } from '../editor/icon-shapes'
import { el, icon } from './dom'
import { ICONS } from './icons'

const headingText = (text: string) => () => el('span', { class: 'tandem-toolbar__text' }, [text])
const shape = (name: IconName) => () => icon(ICON_SHAPES[name])

/** Every button but Link, which opens a prompt this toolbar has none of. */
const CONTENT: Record<Exclude<FormattingId, 'link'>, () => Node> = {
  undo: () => icon(ICONS.undo),
  redo: () => icon(ICONS.redo),
  h1: headingText('H1'),
  h2: headingText('H2'),
  h3: headingText('H3'),
  bold: () => icon(ICONS.bold),
  italic: () => icon(ICONS.italic),
  underline: shape('underline'),
  strike: () => icon(ICONS.strike),
  code: () => icon(ICONS.code),
  highlight: shape('highlight'),
  bulletList: () => icon(ICONS.bulletList),
  orderedList: () => icon(ICONS.orderedList),
  taskList: shape('taskList'),
  blockquote: () => icon(ICONS.blockquote),
  codeBlock: () => icon(ICONS.codeBlock),
  image: () => icon(ICONS.image),
  alignLeft: shape('alignLeft'),
  alignCenter: shape('alignCenter'),
  alignRight: shape('alignRight'),
  horizontalRule: shape('horizontalRule'),
  table: shape('table'),
  addRowBefore: shape('addRowBefore'),
  addRowAfter: shape('addRowAfter'),
  addColumnBefore: shape('addColumnBefore'),
  addColumnAfter: shape('addColumnAfter'),
  deleteRow: shape('deleteRow'),
  deleteColumn: shape('deleteColumn'),
  toggleHeaderRow: shape('toggleHeaderRow'),
  deleteTable: shape('deleteTable'),
}

/**
 * The formatting toolbar without React: EditorToolbar's markup, classes and buttons
 * (lib/editor/formatting.ts), one tab stop (arrow keys, Home and End move between buttons),
 * buttons that keep the editor's selection and report their state with aria-pressed, and the
 * table's controls while the selection is in a table. It shows every button (no "More" menu):
 * on a narrow page its groups wrap.
 */
export function createToolbar(editor: Editor): { element: HTMLElement; destroy(): void } {
  const apple = isApplePlatform()
  const toolbar = el('div', { role: 'toolbar', 'aria-label': 'Formatting', class: 'tandem-toolbar' })
  const buttons: { action: FormattingAction; button: HTMLButtonElement }[] = []
  const addButton = (action: FormattingAction, groupElement: HTMLElement) => {
    if (action.id === 'link') return
    const shortcut = ariaKeyShortcuts(action.shortcut, apple)
    const button = el('button', {
      type: 'button',
      class: 'tandem-toolbar__button',
      'aria-label': action.label,
      ...(shortcut ? { 'aria-keyshortcuts': shortcut } : {}),
      title: buttonTitle(action, apple),
      tabindex: buttons.length === 0 ? '0' : '-1',
    })
    button.append(CONTENT[action.id]())
    // Shown text ("H1") comes first in the name, as in the React toolbar (WCAG 2.5.3).
    const shownText = button.textContent?.trim()
    if (shownText) button.setAttribute('aria-label', `${shownText} ${action.label}`)
    button.addEventListener('mousedown', (event) => event.preventDefault())
    button.addEventListener('click', () => {
      if (readFormattingState(editor)[action.id].enabled) action.run(editor)
    })
    buttons.push({ action, button })
    groupElement.append(button)
  }
  for (const group of FORMATTING_GROUPS) {
    const groupElement = el('div', { role: 'group', class: 'tandem-toolbar__group' })
    for (const action of group) addButton(action, groupElement)
    toolbar.append(groupElement)
  }
  const tableGroup = el('div', { role: 'group', 'aria-label': 'Table', class: 'tandem-toolbar__group tandem-toolbar__table' }, [
    el('span', { class: 'tandem-toolbar__caption', 'aria-hidden': 'true' }, ['Table']),
  ])
  for (const action of TABLE_ACTIONS) addButton(action, tableGroup)
  toolbar.append(tableGroup)

  toolbar.addEventListener('keydown', (event) => {
    const list = buttons.map((b) => b.button).filter((button) => button.getClientRects().length > 0)
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
    tableGroup.hidden = !isInTable(editor)
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
