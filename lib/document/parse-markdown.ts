import type { JSONContent } from '@tiptap/core'
import { MarkdownManager } from '@tiptap/markdown'
import type { Schema } from '@tiptap/pm/model'
import { Marked } from 'marked'
import { InvalidContentError } from './content-error'
import { type MarkdownTokenizer, quickTokenizer } from './quick-tokenizers'
import { withoutUnsafeUrls } from './safe-urls'
import { documentExtensions, documentSchema } from './schema'

type MarkdownOptions = NonNullable<ConstructorParameters<typeof MarkdownManager>[0]>

/**
 * Tiptap's Markdown reader (each extension's own `parseMarkdown`, the counterpart of what
 * `toMarkdown` writes), with its slow tokenizers replaced by ones that read the same tokens in
 * linear time (see quick-tokenizers.ts).
 */
class QuickMarkdownParser extends MarkdownManager {
  constructor() {
    // A marked instance of its own: Tiptap registers every manager's tokenizers on marked's
    // global one, so there they pile up (the export's serializer adds its own set) and the
    // tokenizers fixed below would still run unfixed beside them.
    super({ extensions: documentExtensions(), marked: new Marked() as unknown as MarkdownOptions['marked'] })
  }
}

// Tokenizers are registered by the base constructor, through this (internal) method.
type RegisterTokenizer = (this: MarkdownManager, tokenizer: MarkdownTokenizer) => void
const registerTokenizer = (MarkdownManager.prototype as unknown as { registerTokenizer?: RegisterTokenizer }).registerTokenizer
if (registerTokenizer) {
  Object.defineProperty(QuickMarkdownParser.prototype, 'registerTokenizer', {
    value(this: MarkdownManager, tokenizer: MarkdownTokenizer) {
      registerTokenizer.call(this, quickTokenizer(tokenizer))
    },
  })
}

let parser: QuickMarkdownParser | undefined

/**
 * Markdown (CommonMark, GFM tables, `- [ ]` checklists and `~~strike~~`, Tiptap's `++underline++`
 * and `==highlight==`) as ProseMirror JSON of the document schema. What has no node of its own
 * (raw HTML) comes in as its text, inline content Tiptap leaves directly in a block container is
 * wrapped in a paragraph, and a link or image to an address that is not safe (`javascript:`,
 * `data:`, see safe-urls.ts) keeps only its text, so the result passes `contentFromJSON` unless
 * it is nested deeper than that allows. Absurd nesting is refused before reading (InvalidContentError, see
 * MAX_MARKDOWN_NESTING_PREFIX).
 */
export function markdownToJSON(markdown: string): JSONContent {
  checkNesting(markdown)
  parser ??= new QuickMarkdownParser()
  const parsed = parser.parse(markdown)
  return withoutUnsafeUrls(fitBlocks({ type: 'doc', content: parsed.content ?? [] }, documentSchema()))
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
