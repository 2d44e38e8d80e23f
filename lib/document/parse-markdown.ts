import type { JSONContent } from '@tiptap/core'
import { MarkdownManager } from '@tiptap/markdown'
import type { Schema } from '@tiptap/pm/model'
import { documentExtensions, documentSchema } from './schema'

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
    super({ extensions: documentExtensions() })
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
 * document schema. Markdown has no invalid input: what has no node of its own (an image, raw
 * HTML) comes in as its text, and inline content Tiptap leaves directly in a block container
 * (an image's alt text alone on a line) is wrapped in a paragraph, so the result always passes
 * `contentFromJSON`.
 */
export function markdownToJSON(markdown: string): JSONContent {
  parser ??= new KeepingMarkdownParser()
  const parsed = parser.parse(markdown)
  return fitBlocks({ type: 'doc', content: parsed.content ?? [] }, documentSchema())
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
