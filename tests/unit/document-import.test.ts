import type { JSONContent } from '@tiptap/core'
import { Node } from '@tiptap/pm/model'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  appendContent,
  contentFromJSON,
  docToJSON,
  documentSchema,
  htmlToJSON,
  InvalidContentError,
  isContentEmpty,
  MAX_CONTENT_DEPTH,
  markdownToJSON,
  replaceContent,
  toHTML,
  toMarkdown,
  toText,
} from '../../lib/document'
import { CONTENT_FIELD } from '../../lib/protocol'

const text = (value: string, ...marks: JSONContent['marks'] & object): JSONContent => ({
  type: 'text',
  text: value,
  ...(marks.length ? { marks } : {}),
})
const paragraph = (...content: Array<JSONContent | string>): JSONContent => ({
  type: 'paragraph',
  content: content.map((c) => (typeof c === 'string' ? text(c) : c)),
})
const docOf = (...content: JSONContent[]): JSONContent => ({ type: 'doc', content })
/** What ProseMirror itself gives for the document: every attribute present. */
const normalized = (json: JSONContent) => Node.fromJSON(documentSchema(), json).toJSON()

/** Every node and mark of the schema. */
const EVERYTHING = docOf(
  { type: 'heading', attrs: { level: 2 }, content: [text('Title')] },
  paragraph(
    text('bold', { type: 'bold' }),
    ' ',
    text('italic', { type: 'italic' }),
    ' ',
    text('struck', { type: 'strike' }),
    ' ',
    text('under', { type: 'underline' }),
    ' ',
    text('code', { type: 'code' }),
    ' ',
    text('link', { type: 'link', attrs: { href: 'https://example.com/' } }),
    { type: 'hardBreak' },
    'after a break',
  ),
  { type: 'bulletList', content: [{ type: 'listItem', content: [paragraph('one')] }] },
  { type: 'orderedList', attrs: { start: 3 }, content: [{ type: 'listItem', content: [paragraph('three')] }] },
  { type: 'blockquote', content: [paragraph('quoted')] },
  { type: 'codeBlock', attrs: { language: 'ts' }, content: [text('const x = 1')] },
  { type: 'horizontalRule' },
)

function written(json: JSONContent): Y.Doc {
  const doc = new Y.Doc()
  doc.transact(() => replaceContent(doc, contentFromJSON(json)))
  return doc
}

describe('ProseMirror JSON in', () => {
  it('every node and mark type reads back exactly', () => {
    expect(docToJSON(written(EVERYTHING))).toEqual(normalized(EVERYTHING))
  })

  it('unknown node and mark types, malformed JSON and misplaced content are refused with their place', () => {
    const refused = (json: unknown) => {
      try {
        contentFromJSON(json)
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidContentError)
        return (err as Error).message
      }
      throw new Error(`accepted ${JSON.stringify(json)}`)
    }
    expect(refused(docOf({ type: 'callout' }))).toBe('doc.content[0]: unknown node type "callout"')
    expect(refused(docOf(paragraph(text('x', { type: 'glow' }))))).toBe('doc.content[0].content[0].marks[0]: unknown mark type "glow"')
    expect(refused([])).toMatch(/must be a ProseMirror document/)
    expect(refused({ type: 'paragraph' })).toMatch(/must be a ProseMirror document/)
    expect(refused({ type: 'doc', content: 'text' })).toBe('doc.content: must be an array')
    expect(refused(docOf(paragraph({ type: 'text', text: '' })))).toMatch(/non-empty string "text"/)
    expect(refused(docOf(text('loose text')))).toMatch(/^invalid document: Invalid content for node doc/)
    expect(refused(docOf({ type: 'codeBlock', content: [text('x', { type: 'bold' })] }))).toMatch(/^invalid document/)
    let deep: JSONContent = paragraph('deep')
    for (let i = 0; i <= MAX_CONTENT_DEPTH; i++) deep = { type: 'blockquote', content: [deep] }
    expect(refused(docOf(deep))).toMatch(/nested deeper than 100 levels/)
  })
})

describe('Markdown in', () => {
  it('reads back as the same Markdown and document', () => {
    const markdown =
      '## Title\n\nSome **bold**, *italic*, ~~struck~~, `code` and [a link](https://example.com/).\n\n- one\n- two\n\n> quoted\n\n```ts\nconst x = 1\n```\n\n---'
    const doc = written(markdownToJSON(markdown))
    expect(toMarkdown(doc)).toBe(markdown)
    expect(toText(doc)).toBe('Title\nSome bold, italic, struck, code and a link.\none\ntwo\nquoted\nconst x = 1\n---')
  })

  it('keeps what the schema has no node for as text: a table, an image, raw HTML', () => {
    const json = markdownToJSON('| a | b |\n|---|---|\n| 1 | 2 |\n\n![alt text](x.png)\n\n<div>html</div>')
    expect(toText(written(json))).toBe('| a | b |\n|---|---|\n| 1 | 2 |\nalt text\n<div>html</div>')
  })

  it('an empty text is an empty document', () => {
    expect(isContentEmpty(written(markdownToJSON('')))).toBe(true)
  })
})

describe('HTML in', () => {
  it('reads back as the same HTML, scripts and unknown elements dropped', () => {
    const html = '<h1>Hi</h1><p>Hello <em>world</em><script>alert(1)</script><img src="x.png"></p><ul><li><p>item</p></li></ul>'
    expect(toHTML(written(htmlToJSON(html)))).toBe('<h1>Hi</h1><p>Hello <em>world</em></p><ul><li><p>item</p></li></ul>')
  })
})

describe('writing into a Y.Doc', () => {
  it('a replace keeps the blocks that did not change (the same Yjs items)', () => {
    const doc = written(docOf(paragraph('first'), paragraph('middle'), paragraph('last')))
    const [first, , last] = doc.getXmlFragment(CONTENT_FIELD).toArray()
    doc.transact(() => replaceContent(doc, contentFromJSON(docOf(paragraph('first'), paragraph('new middle'), paragraph('last')))))
    const after = doc.getXmlFragment(CONTENT_FIELD).toArray()
    expect(after[0]).toBe(first)
    expect(after[2]).toBe(last)
    expect(toText(doc)).toBe('first\nnew middle\nlast')
  })

  it('an append adds after the content; into an empty document it is the whole content', () => {
    const doc = written(docOf(paragraph('one')))
    doc.transact(() => appendContent(doc, contentFromJSON(docOf(paragraph(text('two', { type: 'bold' }))))))
    expect(docToJSON(doc)).toEqual(normalized(docOf(paragraph('one'), paragraph(text('two', { type: 'bold' })))))
    const empty = written(docOf({ type: 'paragraph' }))
    expect(isContentEmpty(empty)).toBe(true)
    empty.transact(() => appendContent(empty, contentFromJSON(docOf(paragraph('seed')))))
    expect(docToJSON(empty)).toEqual(normalized(docOf(paragraph('seed'))))
  })

  it('empty means nothing but empty paragraphs', () => {
    expect(isContentEmpty(new Y.Doc())).toBe(true)
    expect(isContentEmpty(written(docOf({ type: 'paragraph' }, { type: 'paragraph' })))).toBe(true)
    expect(isContentEmpty(written(docOf({ type: 'horizontalRule' })))).toBe(false)
    expect(isContentEmpty(written(docOf({ type: 'paragraph', content: [{ type: 'hardBreak' }] })))).toBe(false)
    expect(isContentEmpty(written(docOf(paragraph(' '))))).toBe(false)
  })
})
