/**
 * Tiptap's Markdown tokenizers for ordered lists, checklists and tables run at every block of
 * the text and split all the Markdown left into lines before they look at the first one or
 * two, which makes reading a long text quadratic (a 1 MiB file took half a minute for ordered
 * lists alone, 22 s more for checklists and tables). Each wrapper below first checks, on the
 * first lines only, what Tiptap's tokenizer would check there, and passes a block that cannot
 * match by without the split; a block that can is handed only the text up to where Tiptap's
 * reader certainly stops, so the tokens are the same as Tiptap's own.
 */

export interface MarkdownTokenizer {
  readonly name: string
  readonly start?: (src: string) => number | undefined
  readonly tokenize: (src: string, ...rest: unknown[]) => unknown
}

/** The tokenizer Tiptap registers, or a wrapper that reads the same tokens faster. */
export function quickTokenizer(tokenizer: MarkdownTokenizer): MarkdownTokenizer {
  switch (tokenizer.name) {
    case 'orderedList':
      return withQuickOrderedListCheck(tokenizer)
    case 'taskList':
      return withQuickTaskListCheck(tokenizer)
    case 'table':
      return withQuickTableCheck(tokenizer)
    default:
      return tokenizer
  }
}

/** The line starting at `from` (without its newline). */
function lineAt(src: string, from: number): string {
  const end = src.indexOf('\n', from)
  return end === -1 ? src.slice(from) : src.slice(from, end)
}

// ---- ordered lists ----

/**
 * The first line must open an item (`1.`, `a)`, `iv.` and a space, Tiptap's own pattern). A
 * list is handed only the text up to the first line that is neither indented nor an item and
 * comes after a blank line or opens a block (a heading, bullet, fence, `$$` or rule): Tiptap's
 * reader stops there whatever follows.
 */
const ITEM_MARKER = String.raw`(?:\d+|[ivxlcdmIVXLCDM]+|[a-zA-Z]{1,2})[.)]\s`
const ORDERED_ITEM_START = new RegExp(String.raw`^\s*${ITEM_MARKER}`)
/** Tiptap's PARAGRAPH_INTERRUPTERS, read at a line start in the whole text (`$` is the line's end). */
const OPENS_A_BLOCK = String.raw`(?:#{1,6}(?:\s|$)|[-+*][^\S\n]|\`\`\`|~~~|\$\$|(?:(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|(?:\*[ \t]*){3,})(?=\n|$))`
/** Matches the newline before such a line. */
const LIST_CERTAINLY_ENDS = new RegExp(String.raw`(?:(?<=\n[^\S\n]*)\n(?=\S)|\n(?=${OPENS_A_BLOCK}))(?!${ITEM_MARKER})`)

function withQuickOrderedListCheck(tokenizer: MarkdownTokenizer): MarkdownTokenizer {
  const { tokenize } = tokenizer
  return {
    ...tokenizer,
    tokenize: (src, ...rest) => {
      if (!ORDERED_ITEM_START.test(lineAt(src, 0))) return undefined
      const end = LIST_CERTAINLY_ENDS.exec(src)
      // Up to the newline before that line: Tiptap sees the same lines up to it.
      return tokenize(end ? src.slice(0, end.index) : src, ...rest)
    },
  }
}

// ---- checklists ----

/** Tiptap's task item pattern (parseIndentedBlocks' `itemPattern`), applied to one line. */
const TASK_ITEM = /^(\s*)([-+*])\s+\[([ xX])\]\s+(.*)$/
/** A newline before a line with no indentation at all. */
const UNINDENTED_LINE = /\n(?=\S)/g

/**
 * Tiptap's reader (parseIndentedBlocks) skips blank lines, then needs a task item, or it reads
 * nothing. Its list ends at the first line that is not indented deeper than an item and is no
 * item itself; a line with no indentation that is no task item always is such a line, so the
 * list is handed the text up to it (a blank line's look-ahead then finds nothing instead of
 * that line, and stops just the same).
 */
function withQuickTaskListCheck(tokenizer: MarkdownTokenizer): MarkdownTokenizer {
  const { tokenize } = tokenizer
  return {
    ...tokenizer,
    tokenize: (src, ...rest) => {
      let from = 0
      let line = lineAt(src, from)
      while (line.trim() === '' && from + line.length < src.length) {
        from += line.length + 1
        line = lineAt(src, from)
      }
      if (!TASK_ITEM.test(line)) return undefined
      UNINDENTED_LINE.lastIndex = from + line.length
      for (let end = UNINDENTED_LINE.exec(src); end; end = UNINDENTED_LINE.exec(src)) {
        if (!TASK_ITEM.test(lineAt(src, end.index + 1))) return tokenize(src.slice(0, end.index), ...rest)
      }
      return tokenize(src, ...rest)
    },
  }
}

// ---- tables ----

/** Tiptap's test for a table's delimiter row (`|---|:--:|`). */
const DELIMITER_ROW = /^[ \t|:]*-[ \t|:-]*$/

/** Whether the text's second line is a delimiter row: Tiptap's first check, on two lines only. */
function secondLineIsDelimiterRow(src: string): boolean {
  const firstEnd = src.indexOf('\n')
  if (firstEnd === -1) return false
  const second = lineAt(src, firstEnd + 1)
  return DELIMITER_ROW.test(second) && second.includes('|')
}

/**
 * Tiptap's table `start` (asked at every paragraph whether a table interrupts it) and
 * `tokenize` split the whole text to read its first two lines. A table is read only up to
 * the first blank line, so the tokenizer is handed that much.
 */
function withQuickTableCheck(tokenizer: MarkdownTokenizer): MarkdownTokenizer {
  const { tokenize, start } = tokenizer
  return {
    ...tokenizer,
    ...(start ? { start: (src: string) => (secondLineIsDelimiterRow(src) && lineAt(src, 0).includes('|') ? 0 : -1) } : {}),
    tokenize: (src, ...rest) => {
      if (!secondLineIsDelimiterRow(src)) return undefined
      const blankLine = src.indexOf('\n\n')
      return tokenize(blankLine === -1 ? src : src.slice(0, blankLine), ...rest)
    },
  }
}
