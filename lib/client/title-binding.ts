import { simpleDiffString } from 'lib0/diff'
import type * as Y from 'yjs'
import { clampText } from '../protocol/document-fields'

/**
 * Binds a text input to a shared Y.Text (the document title) in both directions, by hand
 * rather than through a controlled React input, so that a remote edit keeps the local caret
 * where it belongs instead of jumping to the end.
 *
 * Local edits are applied as the minimal splice (common prefix and suffix kept, never splitting a
 * surrogate pair: lib0's `simpleDiffString`), so two people typing in the title at once both keep
 * their characters.
 */
export interface TitleInput {
  value: string
  selectionStart: number | null
  selectionEnd: number | null
  setSelectionRange(start: number, end: number): void
  addEventListener(type: 'input', listener: () => void): void
  removeEventListener(type: 'input', listener: () => void): void
  ownerDocument: { activeElement: unknown } | null
}

export const TITLE_ORIGIN = Symbol('tandem-title-input')

type Delta = Array<{ retain?: number; insert?: unknown; delete?: number }>

/** Where a position in the old text lands after a Y.Text delta (an insert at it pushes it right). */
export function mapPosition(position: number, delta: Delta): number {
  let index = 0 // walks the old text
  let shift = 0
  for (const op of delta) {
    if (index > position) break
    if (op.retain !== undefined) {
      index += op.retain
    } else if (op.insert !== undefined) {
      shift += typeof op.insert === 'string' ? op.insert.length : 1
    } else if (op.delete !== undefined) {
      shift -= Math.min(op.delete, position - index)
      index += op.delete
    }
  }
  return Math.max(0, position + shift)
}

export function bindTitleInput(input: TitleInput, text: Y.Text, maxLength?: number): () => void {
  input.value = text.toString()

  const onInput = () => {
    const next = maxLength === undefined ? input.value : clampText(input.value, maxLength)
    const current = text.toString()
    if (next === current) return
    const { index, remove, insert } = simpleDiffString(current, next)
    text.doc?.transact(() => {
      if (remove > 0) text.delete(index, remove)
      if (insert.length > 0) text.insert(index, insert)
    }, TITLE_ORIGIN)
    if (input.value !== next) input.value = next
  }

  const onRemote = (event: Y.YTextEvent, transaction: Y.Transaction) => {
    if (transaction.origin === TITLE_ORIGIN) return
    const focused = input.ownerDocument?.activeElement === input
    const start = input.selectionStart
    const end = input.selectionEnd
    const delta = event.delta as Delta
    input.value = text.toString()
    if (focused && start !== null && end !== null) {
      input.setSelectionRange(mapPosition(start, delta), mapPosition(end, delta))
    }
  }

  input.addEventListener('input', onInput)
  text.observe(onRemote)
  return () => {
    input.removeEventListener('input', onInput)
    text.unobserve(onRemote)
  }
}
