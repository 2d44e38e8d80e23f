import type { JSONContent } from '@tiptap/core'
import { MarkdownManager } from '@tiptap/markdown'
import type { Schema } from '@tiptap/pm/model'
import { Marked } from 'marked'
import { InvalidContentError } from './content-error'
import { documentExtensions, documentSchema } from './schema'

type MarkdownOptions = NonNullable<ConstructorParameters<typeof MarkdownManager>[0]>

interface MarkdownToken {
  readonly type?: string
  readonly raw?: string
}

/**
 * Tiptap's Markdown reader (each extension's own `parseMarkdown`, the counterpart of what
 * `toMarkdown` writes), keeping what it would otherwise drop: a GFM table, which no node of the
 * schema holds, stays as its text, one line per row.
 */
class KeepingMarkdownParser extends MarkdownManager {
  constructor() {
    // A marked instance of its own: Tiptap registers every manager's tokenizers on marked's
    // global one, so there they pile up (the export's serializer adds its own set) and the
    // tokenizer fixed below would still run unfixed beside it.
    super({ extensions: documentExtensions(), marked: new Marked() as unknown as MarkdownOptions['marked'] })
    // Tiptap sends every token no extension handles through this one (internal) method.
    type Fallback = (token: MarkdownToken, parseImplicitEmptyParagraphs?: boolean) => JSONContent | JSONContent[] | null
    const internals = this as unknown as { parseFallbackToken?: Fallback }
    const fallback = internals.parseFallbackToken
    if (fallback) {
      internals.parseFallbackToken = (token, parseImplicitEmptyParagraphs) =>
        token.type === 'table' && token.raw?.trim() ? rawLines(token.raw.trim()) : fallback.call(this, token, parseImplicitEmptyParagraphs)
    }
  }
}

interface MarkdownTokenizer {
  readonly name: string
  readonly tokenize: (src: string, ...rest: unknown[]) => unknown
}

/**
 * Tiptap's ordered-list tokenizer runs at every block and splits all the Markdown left into
 * lines before it looks at the first one, which makes reading a long text quadratic (a 1 MiB
 * file took half a minute). Its first line must open an item (`1.`, `a)`, `iv.` and a space,
 * Tiptap's own pattern), so a block whose first line cannot is passed by without the split.
 * A list is handed only the text up to where it certainly ends, the first line that is neither
 * indented nor an item and comes after a blank line or opens a block (a heading, bullet, fence,
 * `$$` or rule): Tiptap's reader stops there whatever follows.
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
      const lineEnd = src.indexOf('\n')
      const firstLine = lineEnd === -1 ? src : src.slice(0, lineEnd)
      if (!ORDERED_ITEM_START.test(firstLine)) return undefined
      const end = LIST_CERTAINLY_ENDS.exec(src)
      // Up to the newline before that line: Tiptap sees the same lines up to it.
      return tokenize(end ? src.slice(0, end.index) : src, ...rest)
    },
  }
}

// Tokenizers are registered by the base constructor, through this (internal) method.
type RegisterTokenizer = (this: MarkdownManager, tokenizer: MarkdownTokenizer) => void
const registerTokenizer = (MarkdownManager.prototype as unknown as { registerTokenizer?: RegisterTokenizer }).registerTokenizer
if (registerTokenizer) {
  Object.defineProperty(KeepingMarkdownParser.prototype, 'registerTokenizer', {
    value(this: MarkdownManager, tokenizer: MarkdownTokenizer) {
      registerTokenizer.call(this, tokenizer.name === 'orderedList' ? withQuickOrderedListCheck(tokenizer) : tokenizer)
    },
  })
}

function rawLines(raw: string): JSONContent {
  const content = raw.split('\n').flatMap((line, index): JSONContent[] => {
    const text: JSONContent[] = line === '' ? [] : [{ type: 'text', text: line }]
    return index === 0 ? text : [{ type: 'hardBreak' }, ...text]
  })
  return { type: 'paragraph', content }
}

let parser: KeepingMarkdownParser | undefined

/**
 * Markdown (CommonMark, `~~strike~~`, Tiptap's `++underline++`) as ProseMirror JSON of the
 * document schema. What has no node of its own (an image, raw HTML) comes in as its text, and
 * inline content Tiptap leaves directly in a block container (an image's alt text alone on a
 * line) is wrapped in a paragraph, so the result passes `contentFromJSON` unless it is nested
 * deeper than that allows. Absurd nesting is refused before reading (InvalidContentError, see
 * MAX_MARKDOWN_NESTING_PREFIX).
 */
export function markdownToJSON(markdown: string): JSONContent {
  checkNesting(markdown)
  parser ??= new KeepingMarkdownParser()
  const parsed = parser.parse(markdown)
  return fitBlocks({ type: 'doc', content: parsed.content ?? [] }, documentSchema())
}

/**
 * Longest run of container openers (indentation, `>`, list markers) a line may start with.
 * Tiptap's reader slows down with the square of the nesting (a list nested 160 levels deep
 * takes 70 ms, 2,000 levels exhaust the memory), and the schema check refuses more than
 * MAX_CONTENT_DEPTH levels anyway; real documents stay far below.
 */
export const MAX_MARKDOWN_NESTING_PREFIX = 256
const CONTAINER_PREFIX = new RegExp(String.raw`^(?:[ \t>]|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])){${MAX_MARKDOWN_NESTING_PREFIX + 1}}`, 'm')

function checkNesting(markdown: string): void {
  const deep = CONTAINER_PREFIX.exec(markdown)
  if (!deep) return
  const line = markdown.slice(0, deep.index).split('\n').length
  throw new InvalidContentError(
    `Markdown line ${line} is nested too deeply: more than ${MAX_MARKDOWN_NESTING_PREFIX} characters of indentation, quote and list markers`,
  )
}

/** Wraps runs of inline nodes that sit where blocks belong into paragraphs, at every level. */
function fitBlocks(node: JSONContent, schema: Schema): JSONContent {
  const type = node.type ? schema.nodes[node.type] : undefined
  if (!node.content || !type || type.inlineContent) return node
  const content: JSONContent[] = []
  let inline: JSONContent[] = []
  const flush = () => {
    if (inline.length > 0) content.push({ type: 'paragraph', content: inline })
    inline = []
  }
  for (const child of node.content) {
    if (child.type && schema.nodes[child.type]?.isInline) {
      if (child.type !== 'text' || child.text) inline.push(child)
      continue
    }
    flush()
    content.push(fitBlocks(child, schema))
  }
  flush()
  return { ...node, content }
}
