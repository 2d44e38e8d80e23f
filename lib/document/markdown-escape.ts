/**
 * The Markdown escaping Tiptap's serializer leaves out. It backslash-escapes the inline
 * delimiters (`\ ` * _ [ ] ~`) and writes `& < >` as entities, but text at the start of a line
 * can still open a block (a heading, list, thematic break, setext underline, table), code may
 * contain the backticks that would close it, and link destinations are written verbatim.
 */

/**
 * A line that, unescaped, would start a block: `# h`, `- item`, `+ item`, `---`, `===`,
 * `- - -`, a table delimiter row (`| --- |`, `:--|--`) or `$$`. `*`, `>` and backticks are already
 * escaped by Tiptap; ordered list items are handled apart, their delimiter escaped. "Space"
 * after a marker is any `\s`, as marked reads it, so a no-break space counts too.
 */
const OPENS_A_BLOCK = new RegExp(
  [
    String.raw`#{1,6}(?:\s|$)`,
    String.raw`[-+](?:\s|$)`,
    String.raw`(?:-[-\s]*|=+\s*)$`,
    String.raw`\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$`,
    // Tiptap's ordered-list reader ends an item's text at a `$$` line (block math).
    String.raw`\$\$`,
  ]
    .map((pattern) => `^(?:${pattern})`)
    .join('|'),
)
/** `1.`, `1)`, and Tiptap's own `a.`, `iv)`, `B.` list markers. */
const ORDERED_ITEM = /^(\d{1,9}|[ivxlcdmIVXLCDM]+|[a-zA-Z]{1,2})(?=[.)](?:\s|$))/

// Only spaces and tabs indent in Markdown; a leading no-break space is text.
const INDENT = /^[ \t]*/

function escapeLineStart(line: string): string {
  const indent = INDENT.exec(line)?.[0] ?? ''
  const text = line.slice(indent.length)
  const ordered = ORDERED_ITEM.exec(text)
  if (ordered) return `${indent}${ordered[1]}\\${text.slice(ordered[0].length)}`
  return OPENS_A_BLOCK.test(text) ? `${indent}\\${text}` : line
}

/**
 * A paragraph's rendered Markdown, made to stay one paragraph. Every line (the first, and each
 * after a hard break) is escaped where it would open a block. Leading indentation is dropped
 * from the first line: four spaces there would make an indented code block, and Markdown does
 * not show a paragraph's indentation anyway.
 */
export function escapeParagraph(markdown: string): string {
  return markdown.replace(INDENT, '').split('\n').map(escapeLineStart).join('\n')
}

/** A heading's rendered Markdown (`## text`), with a trailing `#` run kept as text, not read as a closing sequence. */
export function escapeHeading(markdown: string): string {
  const marker = /^#{1,6} /.exec(markdown)?.[0]
  if (!marker) return markdown
  return marker + markdown.slice(marker.length).replace(/(^|[ \t])(#+[ \t]*)$/, '$1\\$2')
}

/**
 * `++` is Tiptap's own underline syntax (unknown to CommonMark, so Tiptap does not escape it).
 * Escaping every `+` next to another, or at either end of a text (where an underline mark's
 * `++` may come next to it), keeps `a ++b++` and `C++` text when read back by Tiptap.
 */
export function escapeUnderlineDelimiters(text: string): string {
  return text.replace(/^\+|\+$|\+(?=\+)|(?<=\+)\+/g, '\\+')
}

/** `==` is Tiptap's highlight syntax, escaped the same way as `++` (see above). */
export function escapeHighlightDelimiters(text: string): string {
  return text.replace(/^=|=$|=(?==)|(?<==)=/g, '\\=')
}

/** A `|` in a table cell's text would end the cell; GFM reads `\|` as the character. */
export function escapeTableCellPipes(text: string): string {
  return text.replace(/\|/g, '\\|')
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length))
}

/**
 * A fenced code block whose fence is longer than any backtick run in the code, so no line of
 * code can close it, with the language reduced to what an info string can hold.
 */
export function fencedCodeBlock(code: string, language: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(code) + 1))
  return `${fence}${language.replace(/[`\s]/g, '')}\n${code}\n${fence}`
}

/**
 * The text of an inline code span, for a serializer that wraps it in single backticks. Code
 * holding backticks needs a longer delimiter than any run inside it, plus a space on each side
 * (which the reader strips) in case the code starts or ends with one; the extra backticks go
 * inside the serializer's own, so `` a`b `` comes out as ``` `` a`b `` ```. Code ending in a
 * backslash is padded the same way: marked (Tiptap's parser) would otherwise read `` \` `` as an
 * escaped backtick when it looks for emphasis, and pair the span's end with a later backtick.
 */
export function codeSpanText(code: string): string {
  const run = longestBacktickRun(code)
  if (run === 0 && !code.endsWith('\\')) return code
  const extra = '`'.repeat(Math.max(1, run))
  return `${extra} ${code} ${extra}`
}

/**
 * A link destination that the `[text](destination)` syntax cannot misread: anything with
 * spaces, parentheses, angle brackets or backslashes goes in `<...>` with `<`, `>` and `\`
 * escaped, so `)` cannot end the link early and `<script>` cannot become a tag.
 */
export function linkDestination(href: string): string {
  if (!/[\s()<>\\]/.test(href)) return href
  return `<${href.replace(/[\\<>]/g, '\\$&').replace(/[\r\n]/g, encodeURIComponent)}>`
}

/** A link title for `"title"`: quotes and backslashes escaped. */
export function linkTitle(title: string): string {
  return title.replace(/["\\]/g, '\\$&')
}
