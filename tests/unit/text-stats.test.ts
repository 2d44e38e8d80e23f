import { describe, expect, it } from 'vitest'
import { documentSchema } from '../../lib/document/schema'
import { countText, formatTextStats } from '../../lib/editor/text-stats'

/** lib/editor/text-stats.ts: the word and character count of a document or a selection. */

const schema = documentSchema()
const d = schema.nodeFromJSON({
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Two words' }] },
    { type: 'paragraph', content: [{ type: 'text', text: 'end' }, { type: 'hardBreak' }, { type: 'text', text: 'start 🙂' }] },
    { type: 'paragraph' },
  ],
})

describe('countText', () => {
  it('counts words across blocks and breaks, characters as code points without block breaks', () => {
    // "Two words" (9) + "end" (3) + break (1) + "start 🙂" (7) = 20.
    expect(countText(d)).toEqual({ words: 5, characters: 20 })
  })

  it('counts a selection, including one that starts or ends inside a word', () => {
    // Positions: heading text 1..10, so 5..10 is "words".
    expect(countText(d, 5, 10)).toEqual({ words: 1, characters: 5 })
    // From inside "words" to inside "end": "rds" + "en".
    expect(countText(d, 7, 14)).toEqual({ words: 2, characters: 5 })
    expect(countText(d, 3, 3)).toEqual({ words: 0, characters: 0 })
  })

  it('formats singular and plural', () => {
    expect(formatTextStats({ words: 1, characters: 1 })).toBe('1 word · 1 character')
    expect(formatTextStats({ words: 1234, characters: 56789 })).toBe('1,234 words · 56,789 characters')
    expect(formatTextStats({ words: 1, characters: 5 }, { words: 3, characters: 13 })).toBe('1 of 3 words · 5 of 13 characters')
  })
})
