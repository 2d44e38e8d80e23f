import type { TitleInput } from '../../lib/client/title-binding'

/** A text input as the title binding sees it: `type()` sets the value and fires `input`, like a keystroke. */
export class FakeInput implements TitleInput {
  value = ''
  selectionStart: number | null = 0
  selectionEnd: number | null = 0
  private listener: (() => void) | null = null
  ownerDocument = { activeElement: this as unknown }
  setSelectionRange(start: number, end: number) {
    this.selectionStart = start
    this.selectionEnd = end
  }
  addEventListener(_type: 'input', listener: () => void) {
    this.listener = listener
  }
  removeEventListener() {
    this.listener = null
  }
  type(value: string, caret: number) {
    this.value = value
    this.setSelectionRange(caret, caret)
    this.listener?.()
  }
}
