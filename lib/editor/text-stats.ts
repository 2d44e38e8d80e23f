import type { Node as ProseMirrorNode } from '@tiptap/pm/model'

export interface TextStats {
  words: number
  characters: number
}

const WORD = /\S+/g
/** The first half of a character outside the BMP (an emoji): counted once with its pair. */
const HIGH_SURROGATE = /[\uD800-\uDBFF]/g

/**
 * Words and characters between `from` and `to` (the whole document by default), as a word
 * processor counts them: words are runs of non-space separated by spaces or block boundaries,
 * characters are the text's characters (spaces included, Unicode code points, so an emoji is
 * one) without the breaks between blocks.
 */
export function countText(doc: ProseMirrorNode, from = 0, to = doc.content.size): TextStats {
  let words = 0
  let characters = 0
  doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isTextblock) return true
    const start = Math.max(from, pos + 1)
    const end = Math.min(to, pos + 1 + node.content.size)
    if (end <= start) return false
    // Non-text inline nodes (a hard break) separate words.
    const text = node.textBetween(start - pos - 1, end - pos - 1, undefined, ' ')
    words += text.match(WORD)?.length ?? 0
    characters += text.length - (text.match(HIGH_SURROGATE)?.length ?? 0)
    return false
  })
  return { words, characters }
}

/** "1 word · 5 characters"; with the whole document's stats, a part of it: "2 of 17 words · 9 of 97 characters". */
export function formatTextStats(stats: TextStats, total?: TextStats): string {
  const part = (count: number, of: number | undefined, noun: string) =>
    `${count.toLocaleString('en')}${of === undefined ? '' : ` of ${of.toLocaleString('en')}`} ${(of ?? count) === 1 ? noun : `${noun}s`}`
  return `${part(stats.words, total?.words, 'word')} · ${part(stats.characters, total?.characters, 'character')}`
}
