import * as Y from 'yjs'
import { CONTENT_FIELD } from '../../lib/protocol'

/**
 * Renders a document's content (the ProseMirror tree Tiptap keeps in a Y.XmlFragment) as
 * plain text, Markdown or HTML, for the REST API. Unknown node types render their children,
 * so content from newer editor extensions degrades to text instead of disappearing.
 */

type Mark = { name: string; attrs: Record<string, unknown> }
interface TextRun {
  text: string
  marks: Mark[]
}

function runsOf(text: Y.XmlText): TextRun[] {
  const delta = text.toDelta() as Array<{ insert: unknown; attributes?: Record<string, unknown> }>
  return delta
    .filter((op) => typeof op.insert === 'string')
    .map((op) => ({
      text: op.insert as string,
      marks: Object.entries(op.attributes ?? {}).map(([name, value]) => ({
        name,
        attrs: typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {},
      })),
    }))
}

function children(node: Y.XmlElement | Y.XmlFragment): Array<Y.XmlElement | Y.XmlText> {
  return node.toArray().filter((c): c is Y.XmlElement | Y.XmlText => c instanceof Y.XmlElement || c instanceof Y.XmlText)
}

// ---- plain text ----

function inlineText(node: Y.XmlElement | Y.XmlText): string {
  if (node instanceof Y.XmlText)
    return runsOf(node)
      .map((r) => r.text)
      .join('')
  if (node.nodeName === 'hardBreak') return '\n'
  return children(node).map(inlineText).join('')
}

function blockText(node: Y.XmlElement | Y.XmlText): string[] {
  if (node instanceof Y.XmlText) return [inlineText(node)]
  switch (node.nodeName) {
    case 'bulletList':
    case 'orderedList':
    case 'blockquote':
    case 'listItem':
      return children(node).flatMap(blockText)
    case 'horizontalRule':
      return ['---']
    default:
      return [inlineText(node)]
  }
}

export function toPlainText(doc: Y.Doc): string {
  return children(doc.getXmlFragment(CONTENT_FIELD)).flatMap(blockText).join('\n')
}

// ---- Markdown ----

function markdownInline(node: Y.XmlElement | Y.XmlText): string {
  if (node instanceof Y.XmlElement) {
    return node.nodeName === 'hardBreak' ? '  \n' : children(node).map(markdownInline).join('')
  }
  return runsOf(node)
    .map(({ text, marks }) => {
      let out = text
      const has = (name: string) => marks.some((m) => m.name === name)
      if (has('code')) return `\`${out}\``
      if (has('bold')) out = `**${out}**`
      if (has('italic')) out = `*${out}*`
      if (has('strike')) out = `~~${out}~~`
      const link = marks.find((m) => m.name === 'link')
      if (link && typeof link.attrs.href === 'string') out = `[${out}](${link.attrs.href})`
      return out
    })
    .join('')
}

function markdownBlock(node: Y.XmlElement | Y.XmlText, indent = ''): string {
  if (node instanceof Y.XmlText) return indent + markdownInline(node)
  const kids = children(node)
  switch (node.nodeName) {
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.getAttribute('level')) || 1))
      return `${indent}${'#'.repeat(level)} ${kids.map(markdownInline).join('')}`
    }
    case 'bulletList':
    case 'orderedList':
      return kids
        .map((item, i) => {
          const bullet = node.nodeName === 'orderedList' ? `${i + 1}. ` : '- '
          const inner = item instanceof Y.XmlElement ? children(item) : [item]
          const [first, ...rest] = inner.map((child) => markdownBlock(child, `${indent}   `))
          return [`${indent}${bullet}${(first ?? '').trimStart()}`, ...rest].join('\n')
        })
        .join('\n')
    case 'blockquote':
      return kids
        .map((child) => markdownBlock(child))
        .join('\n\n')
        .split('\n')
        .map((line) => `${indent}> ${line}`)
        .join('\n')
    case 'codeBlock': {
      const language = node.getAttribute('language')
      return `${indent}\`\`\`${typeof language === 'string' ? language : ''}\n${kids.map(inlineText).join('')}\n${indent}\`\`\``
    }
    case 'horizontalRule':
      return `${indent}---`
    default:
      return indent + kids.map(markdownInline).join('')
  }
}

export function toMarkdown(doc: Y.Doc): string {
  return children(doc.getXmlFragment(CONTENT_FIELD))
    .map((node) => markdownBlock(node))
    .join('\n\n')
}

// ---- HTML ----

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const MARK_TAGS: Record<string, string> = { bold: 'strong', italic: 'em', strike: 's', code: 'code', underline: 'u' }
const BLOCK_TAGS: Record<string, string> = {
  paragraph: 'p',
  bulletList: 'ul',
  orderedList: 'ol',
  listItem: 'li',
  blockquote: 'blockquote',
}

function htmlNode(node: Y.XmlElement | Y.XmlText): string {
  if (node instanceof Y.XmlText) {
    return runsOf(node)
      .map(({ text, marks }) => {
        let out = escapeHtml(text)
        for (const mark of marks) {
          const tag = MARK_TAGS[mark.name]
          if (tag) out = `<${tag}>${out}</${tag}>`
          else if (mark.name === 'link' && typeof mark.attrs.href === 'string' && /^(https?:|mailto:)/i.test(mark.attrs.href)) {
            out = `<a href="${escapeHtml(mark.attrs.href)}">${out}</a>`
          }
        }
        return out
      })
      .join('')
  }
  const inner = children(node).map(htmlNode).join('')
  switch (node.nodeName) {
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.getAttribute('level')) || 1))
      return `<h${level}>${inner}</h${level}>`
    }
    case 'codeBlock':
      return `<pre><code>${inner}</code></pre>`
    case 'hardBreak':
      return '<br>'
    case 'horizontalRule':
      return '<hr>'
    default: {
      const tag = BLOCK_TAGS[node.nodeName]
      return tag ? `<${tag}>${inner}</${tag}>` : inner
    }
  }
}

export function toHtml(doc: Y.Doc): string {
  return children(doc.getXmlFragment(CONTENT_FIELD)).map(htmlNode).join('\n')
}
