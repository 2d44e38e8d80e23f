import type { DecorationAttrs } from '@tiptap/pm/view'

/**
 * Remote caret and selection rendering. Keeps Tiptap's class names
 * (`collaboration-carets__caret`, `collaboration-carets__label`) as the stable hooks; the
 * styles live in the stylesheet. The extension passes colours through its own validator first.
 */
export function renderCaret(user: Record<string, unknown>): HTMLElement {
  const color = typeof user.color === 'string' ? user.color : 'transparent'
  const name = typeof user.name === 'string' ? user.name : ''
  const caret = document.createElement('span')
  caret.classList.add('collaboration-carets__caret')
  caret.style.borderColor = color
  caret.setAttribute('aria-hidden', 'true')
  const label = document.createElement('div')
  label.classList.add('collaboration-carets__label')
  label.style.backgroundColor = color
  label.textContent = name
  caret.append(label)
  return caret
}

export function renderSelection(user: Record<string, unknown>): DecorationAttrs {
  const color = typeof user.color === 'string' ? user.color : null
  if (color === null || color === 'transparent') return {}
  return {
    nodeName: 'span',
    class: 'collaboration-carets__selection',
    // A translucent tint of the person's colour (hex + alpha).
    style: `background-color: ${color}33`,
    'data-user': typeof user.name === 'string' ? user.name : '',
  }
}
