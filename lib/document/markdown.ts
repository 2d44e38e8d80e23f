import type { JSONContent } from '@tiptap/core'
import { MarkdownManager } from '@tiptap/markdown'
import type { Node, Schema } from '@tiptap/pm/model'
import type * as Y from 'yjs'
import { docToNode } from './content'
import {
  codeSpanText,
  escapeHeading,
  escapeHighlightDelimiters,
  escapeParagraph,
  escapeTableCellPipes,
  escapeUnderlineDelimiters,
  fencedCodeBlock,
  linkDestination,
  linkTitle,
} from './markdown-escape'
import { documentExtensions } from './schema'

/**
 * Tiptap's Markdown serializer (each extension's own `renderMarkdown`) with the escaping it
 * leaves out added (see markdown-escape.ts): text that looks like Markdown stays text, and the
 * result reads back through Tiptap's Markdown parser as the same document.
 */
class EscapingMarkdownSerializer extends MarkdownManager {
  /** Whether the list item being rendered belongs to a bullet list. */
  private inBulletItem = false
  /** Whether the text being rendered is in a table cell. */
  private inTableCell = false

  constructor() {
    super({ extensions: documentExtensions() })
    // Tiptap escapes the text of every non-code text node in this one (internal) method, so
    // this is the only place that sees text before marks are added around it.
    const internals = this as unknown as { escapeMarkdownSyntax?: (text: string) => string }
    const escapeInline = internals.escapeMarkdownSyntax
    if (escapeInline) {
      internals.escapeMarkdownSyntax = (text) => {
        const escaped = escapeHighlightDelimiters(escapeUnderlineDelimiters(escapeInline.call(this, text)))
        return this.inTableCell ? escapeTableCellPipes(escaped) : escaped
      }
    }
  }

  override renderNodeToMarkdown(
    node: JSONContent,
    parentNode?: JSONContent,
    index?: number,
    level?: number,
    meta?: Record<string, unknown>,
  ): string {
    const render = () => super.renderNodeToMarkdown(node, parentNode, index, level, meta)
    switch (node.type) {
      case 'codeBlock': {
        const code = (node.content ?? []).map((child) => child.text ?? '').join('')
        return fencedCodeBlock(code, typeof node.attrs?.language === 'string' ? node.attrs.language : '')
      }
      case 'heading':
        return escapeHeading(render())
      case 'table': {
        this.inTableCell = true
        try {
          return render()
        } finally {
          this.inTableCell = false
        }
      }
      case 'listItem': {
        const outer = this.inBulletItem
        this.inBulletItem = parentNode?.type === 'bulletList'
        try {
          return render()
        } finally {
          this.inBulletItem = outer
        }
      }
      case 'paragraph': {
        const markdown = escapeParagraph(render())
        // Tiptap leaves the lines after a hard break in an item's first paragraph unindented
        // ("lazy"). marked, reading a bullet item, wrongly takes a lazy line whose text at the
        // item's indentation opens a block (`b #tag`) as the end of the item; indented, they
        // stay in it. Tiptap reads ordered lists itself, with no such problem.
        const isFirstInBulletItem = this.inBulletItem && parentNode?.type === 'listItem' && index === 0
        return isFirstInBulletItem ? markdown.replace(/\n/g, `\n${this.indentString}`) : markdown
      }
      default:
        return render()
    }
  }
}

let serializer: EscapingMarkdownSerializer | undefined

/** A document as Markdown (CommonMark, plus `~~strike~~` from GFM and Tiptap's `++underline++`). */
export function toMarkdown(doc: Y.Doc): string {
  return nodeToMarkdown(docToNode(doc))
}

export function nodeToMarkdown(node: Node): string {
  serializer ??= new EscapingMarkdownSerializer()
  return serializer.serialize(withVerbatimValuesEscaped(node.toJSON() as JSONContent, node.type.schema))
}

/** An image's `![alt](src "title")`, escaped like a link's; brackets in the alt text too. */
function imageAttrsEscaped(attrs: Record<string, unknown>): Record<string, unknown> {
  const { src, title, alt } = attrs
  return {
    ...attrs,
    ...(typeof src === 'string' ? { src: linkDestination(src) } : {}),
    ...(typeof title === 'string' ? { title: linkTitle(title) } : {}),
    ...(typeof alt === 'string' ? { alt: alt.replace(/[[\]]/g, '\\$&') } : {}),
  }
}

/**
 * Tiptap writes some values into the Markdown verbatim: the text of a code span between single
 * backticks, a link's href and title, and an image's source, title and alt text. They are escaped in the JSON before serializing.
 */
function withVerbatimValuesEscaped(node: JSONContent, schema: Schema): JSONContent {
  const marks = node.marks?.map((mark) => {
    if (mark.type !== 'link' || !mark.attrs) return mark
    const { href, title } = mark.attrs
    return {
      ...mark,
      attrs: {
        ...mark.attrs,
        ...(typeof href === 'string' ? { href: linkDestination(href) } : {}),
        ...(typeof title === 'string' ? { title: linkTitle(title) } : {}),
      },
    }
  })
  const image = node.type === 'image' && node.attrs ? imageAttrsEscaped(node.attrs) : undefined
  const isCode = node.marks?.some((mark) => schema.marks[mark.type]?.spec.code) ?? false
  return {
    ...node,
    ...(marks ? { marks } : {}),
    ...(image ? { attrs: image } : {}),
    ...(isCode && node.text !== undefined ? { text: codeSpanText(node.text) } : {}),
    ...(node.content ? { content: node.content.map((child) => withVerbatimValuesEscaped(child, schema)) } : {}),
  }
}
