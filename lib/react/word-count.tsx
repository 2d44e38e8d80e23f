'use client'

import type { Editor } from '@tiptap/core'
import { useEffect, useState } from 'react'
import { countText, formatTextStats } from '../editor/text-stats'

/** Below this document size the count follows every change; above, at most every LARGE_DELAY_MS. */
const SMALL_DOC = 50_000
const SMALL_DELAY_MS = 50
const LARGE_DELAY_MS = 750

/** The words and characters of the document, or of the selection when there is one. */
function describe(editor: Editor): string {
  const { doc, selection } = editor.state
  const whole = countText(doc)
  if (selection.empty) return formatTextStats(whole)
  return formatTextStats(countText(doc, selection.from, selection.to), whole)
}

/**
 * The word and character count under the document ("123 words · 789 characters"; with a
 * selection, "12 of 123 words · 60 of 789 characters"). Counting walks the whole text, so it never runs inside a
 * keystroke: changes schedule one count, later changes before it runs share it, and a large
 * document waits longer between counts.
 */
export function WordCount({ editor }: { editor: Editor }) {
  const [text, setText] = useState(() => describe(editor))

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null
    const schedule = () => {
      if (timer !== null) return
      const delay = editor.state.doc.content.size > SMALL_DOC ? LARGE_DELAY_MS : SMALL_DELAY_MS
      timer = setTimeout(() => {
        timer = null
        if (!editor.isDestroyed) setText(describe(editor))
      }, delay)
    }
    schedule()
    editor.on('transaction', schedule)
    return () => {
      editor.off('transaction', schedule)
      if (timer !== null) clearTimeout(timer)
    }
  }, [editor])

  return (
    <p className="tandem-word-count" data-testid="word-count">
      {text}
    </p>
  )
}
