import fs from 'node:fs'
import path from 'node:path'
import { getSchema, type JSONContent } from '@tiptap/core'
import { MarkdownManager } from '@tiptap/markdown'
import { Node } from '@tiptap/pm/model'
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap'
import fc from 'fast-check'
import { Marked } from 'marked'
import { describe, expect, it } from 'vitest'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { docToJSON, documentExtensions, documentSchema, htmlToJSON, nodeToJSON, toHTML, toMarkdown, toText } from '../../lib/document'
import { tandemExtensions } from '../../lib/editor/extensions'
import { CONTENT_FIELD } from '../../lib/protocol'

// ---- building documents the way the editor stores them ----

type Mark = NonNullable<JSONContent['marks']>[number]

const text = (value: string, ...marks: Array<string | Mark>): JSONContent => ({
  type: 'text',
  text: value,
  ...(marks.length ? { marks: marks.map((m) => (typeof m === 'string' ? { type: m } : m)) } : {}),
})
const paragraph = (...content: Array<JSONContent | string>): JSONContent => ({
  type: 'paragraph',
  content: content.map((c) => (typeof c === 'string' ? text(c) : c)),
})
const heading = (level: number, value: string): JSONContent => ({ type: 'heading', attrs: { level }, content: [text(value)] })
const item = (...content: JSONContent[]): JSONContent => ({ type: 'listItem', content })
const bulletList = (...items: JSONContent[]): JSONContent => ({ type: 'bulletList', content: items })
const orderedList = (start: number, ...items: JSONContent[]): JSONContent => ({ type: 'orderedList', attrs: { start }, content: items })
const blockquote = (...content: JSONContent[]): JSONContent => ({ type: 'blockquote', content })
const codeBlock = (language: string | null, code: string): JSONContent => ({
  type: 'codeBlock',
  attrs: { language },
  content: [text(code)],
})
const hardBreak: JSONContent = { type: 'hardBreak' }
const horizontalRule: JSONContent = { type: 'horizontalRule' }
const link = (href: string): Mark => ({ type: 'link', attrs: { href } })
const aligned = (textAlign: string, block: JSONContent): JSONContent => ({ ...block, attrs: { ...block.attrs, textAlign } })
const taskItem = (checked: boolean, ...content: JSONContent[]): JSONContent => ({ type: 'taskItem', attrs: { checked }, content })
const taskList = (...items: JSONContent[]): JSONContent => ({ type: 'taskList', content: items })
const cell = (type: 'tableCell' | 'tableHeader', ...content: Array<JSONContent | string>): JSONContent => ({
  type,
  content: [paragraph(...content)],
})
const table = (...rows: JSONContent[][]): JSONContent => ({
  type: 'table',
  content: rows.map((cells) => ({ type: 'tableRow', content: cells })),
})
const image = (src: string, alt: string, title: string | null = null): JSONContent => ({ type: 'image', attrs: { src, alt, title } })

/** The same content without text alignment, which Markdown has no way to write. */
function withoutAlignment(node: JSONContent): JSONContent {
  const { textAlign: _dropped, ...attrs } = node.attrs ?? {}
  return {
    ...node,
    ...(node.attrs ? { attrs } : {}),
    ...(node.content ? { content: node.content.map(withoutAlignment) } : {}),
  }
}

/** A Y.Doc holding `content` in the fragment the editor binds to, written by the editor's own Yjs binding. */
function ydoc(...content: JSONContent[]): Y.Doc {
  const doc = new Y.Doc()
  prosemirrorJSONToYXmlFragment(documentSchema(), { type: 'doc', content }, doc.getXmlFragment(CONTENT_FIELD))
  return doc
}

/** The JSON ProseMirror itself gives for `content`: every attribute present, defaults filled in. */
function normalized(...content: JSONContent[]): JSONContent {
  return nodeToJSON(Node.fromJSON(documentSchema(), { type: 'doc', content }))
}

function normalizedHTML(json: JSONContent): JSONContent {
  return nodeToJSON(Node.fromJSON(documentSchema(), json))
}

// Tiptap's stock Markdown parser over the same extensions: what any Tandem editor would read back.
const markdownParser = new MarkdownManager({ extensions: documentExtensions() })
function parseMarkdown(markdown: string): JSONContent {
  return nodeToJSON(Node.fromJSON(documentSchema(), markdownParser.parse(markdown)))
}

// A plain CommonMark + GFM renderer, as a reader of the exported file would use.
const commonMark = new Marked()
function markdownToHTML(markdown: string): string {
  return commonMark.parse(markdown, { async: false })
}

function escapeLikeMarked(value: string): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
  return value.replace(/[&<>"']/g, (c) => entities[c] ?? c)
}

// Text that a naive serializer turns into Markdown or HTML structure.
const MARKDOWN_LOOKALIKES = [
  '# not a heading, *not italic*',
  '###### six',
  '1. not a list',
  '12) not a list either',
  '- not a bullet',
  '+ not a bullet',
  '> not a quote',
  '---',
  '- - -',
  '`not code`',
  '```not a fence',
  '~~~',
  '[a](b) and ![image](c.png) and [ref]',
  '<script>alert(1)</script>',
  '<b>bold?</b> <a href="x">no link</a> <!-- no comment -->',
  '&amp; &lt; &#60; & <',
  '**not bold** __not bold__ _not em_ ~~not struck~~ ++not underlined++',
  'trailing backslash \\',
  'C# and #hashtag',
]

/** Every node and mark of a Tandem document, with text that looks like Markdown or HTML. */
const EVERYTHING: JSONContent[] = [
  aligned('center', heading(1, 'Heading 1 *with* # inside')),
  heading(2, 'Heading 2'),
  heading(3, 'Heading 3 ends with #'),
  heading(4, 'Heading 4'),
  heading(5, 'Heading 5'),
  heading(6, 'Heading 6 <b>'),
  paragraph('# not a heading, *not italic*'),
  paragraph(
    text('bold', 'bold'),
    ' ',
    text('italic', 'italic'),
    ' ',
    text('struck', 'strike'),
    ' ',
    text('underlined', 'underline'),
    ' ',
    text('highlighted', 'highlight'),
    ' ',
    text('both', 'bold', 'italic'),
    ' ',
    text('a `tick` inside', 'code'),
    ' ',
    text('``', 'code'),
    ' ',
    text('link', link('https://example.com/a_(b)?q=1&r=2')),
    ' ',
    text('odd link', link('https://example.com/a b)<script>')),
  ),
  paragraph('first line', hardBreak, '1. not a list', hardBreak, '===', hardBreak, '- not a bullet', hardBreak, '# not a heading'),
  bulletList(item(paragraph('- dash', hardBreak, 'b #tag'), bulletList(item(paragraph('> nested')))), item(paragraph('+ plus'))),
  orderedList(3, item(paragraph('1. three')), item(paragraph('four'), paragraph('second paragraph'))),
  blockquote(paragraph('> quoted'), paragraph('<script>alert(1)</script>')),
  codeBlock('ts', 'const html = "<b>*x*</b>"\n```\n# still code'),
  codeBlock(null, 'no language'),
  horizontalRule,
  aligned('right', paragraph('right-aligned ', text('==not highlighted==', 'bold'))),
  aligned('justify', paragraph('justified')),
  taskList(
    taskItem(true, paragraph('done ', text('well', 'italic'))),
    taskItem(false, paragraph('- [ ] still to do'), taskList(taskItem(false, paragraph('nested step')))),
  ),
  table(
    [cell('tableHeader', 'Name'), cell('tableHeader', text('Score', 'bold'))],
    [cell('tableCell', 'Ada | pipe'), cell('tableCell', text('10', 'code'))],
    [cell('tableCell', text('linked', link('https://example.com/t'))), { type: 'tableCell', content: [paragraph()] }],
  ),
  image('https://example.com/cat.png', 'A cat', 'Cat'),
  image('/api/documents/d/files/f.png', 'uploaded'),
  image('https://example.com/a b)(c).png', 'odd [alt]', 'say "hi"'),
  ...MARKDOWN_LOOKALIKES.map((line) => paragraph(line)),
]

/**
 * Limits of Markdown and of Tiptap's parser that are not about escaping, kept out of the
 * property test: Tiptap's underline reader ends `++text++` at the first `++` it meets, escaped
 * or not, so underlined text cannot start or end with `+`; and marked pairs backticks inside a
 * code span with later ones when it looks for emphasis.
 */
function runText(value: string, mark: string | undefined): string {
  if (mark === 'underline') return value.replace(/^\+|\+$/g, 'x')
  if (mark === 'code') return value.replace(/`/g, "'")
  return value
}

/**
 * Each visible character with its marks, block by block. Spaces carry no marks: Markdown has
 * to write `**a** b`, not `**a **b`, so a space at the edge of a mark moves out of it.
 */
function visibleText(node: JSONContent): unknown {
  if (node.type === 'text') {
    const marks = (node.marks ?? []).map((mark) => mark.type).sort()
    return [...(node.text ?? '')].map((char) => (char.trim() ? `${char}${marks.join('+')}` : ' '))
  }
  if (node.type === 'hardBreak') return ['\n']
  return [[node.type, ...(node.content ?? []).flatMap((child) => visibleText(child) as unknown[])]]
}

function typesUsed(content: JSONContent[]): { nodes: Set<string>; marks: Set<string> } {
  const nodes = new Set<string>(['doc'])
  const marks = new Set<string>()
  const visit = (node: JSONContent) => {
    if (node.type) nodes.add(node.type)
    for (const mark of node.marks ?? []) marks.add(mark.type)
    node.content?.forEach(visit)
  }
  content.forEach(visit)
  return { nodes, marks }
}

// ---- the tests ----

describe('the document schema', () => {
  it('is the editor schema: the editor adds collaboration and no content types', () => {
    const doc = new Y.Doc()
    const editorSchema = getSchema(tandemExtensions({ doc, awareness: new Awareness(doc), user: { name: 'Ada', color: '#2563eb' } }))
    const shape = (schema: ReturnType<typeof getSchema>) => ({
      nodes: Object.fromEntries(
        Object.entries(schema.nodes).map(([name, type]) => [name, [type.spec.content, Object.keys(type.spec.attrs ?? {})]]),
      ),
      marks: Object.fromEntries(Object.entries(schema.marks).map(([name, type]) => [name, Object.keys(type.spec.attrs ?? {})])),
    })
    expect(shape(editorSchema)).toEqual(shape(documentSchema()))
  })

  // @tiptap/html parses with the browser's DOMParser there and with happy-dom in Node: no global
  // DOM needed. marked is @tiptap/markdown's own lexer, given an instance of its own.
  it('lib/document imports no React, DOM, ws or server code', () => {
    const dir = path.resolve(__dirname, '../../lib/document')
    for (const file of fs.readdirSync(dir)) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8')
      for (const [, specifier] of source.matchAll(/from '([^']+)'/g)) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(
          /^(@tiptap\/(core|html|pm\/model|starter-kit|markdown|static-renderer\/[\w/-]+|y-tiptap|extension-(highlight|image|list|table|text-align))|marked|yjs|\.\/[\w-]+|\.\.\/protocol(\/[\w-]+)?)$/,
        )
      }
    }
  })

  it('the round-trip document below uses every node and mark type of the schema', () => {
    const used = typesUsed(EVERYTHING)
    expect([...used.nodes].sort()).toEqual(Object.keys(documentSchema().nodes).sort())
    expect([...used.marks].sort()).toEqual(Object.keys(documentSchema().marks).sort())
  })
})

describe('reading a Y.Doc', () => {
  it('gives back the ProseMirror JSON the editor wrote', () => {
    expect(docToJSON(ydoc(...EVERYTHING))).toEqual(normalized(...EVERYTHING))
  })

  it('an empty document exports as empty text in every format', () => {
    const doc = new Y.Doc()
    expect(docToJSON(doc)).toEqual({ type: 'doc' })
    expect([toText(doc), toMarkdown(doc), toHTML(doc)]).toEqual(['', '', ''])
  })

  it('content from a newer editor degrades to its text instead of failing the export', () => {
    const doc = new Y.Doc()
    const callout = new Y.XmlElement('callout')
    const inner = new Y.XmlElement('paragraph')
    const words = new Y.XmlText()
    words.insert(0, 'inside a ')
    words.insert(9, 'callout', { glow: { color: 'yellow' }, bold: {} })
    inner.insert(0, [words])
    callout.insert(0, [inner])
    const tagged = new Y.XmlElement('paragraph')
    tagged.setAttribute('indent', '2')
    tagged.insert(0, [new Y.XmlText('after')])
    doc.getXmlFragment(CONTENT_FIELD).insert(0, [callout, tagged])
    expect(docToJSON(doc)).toEqual(normalized(paragraph('inside a ', text('callout', 'bold')), paragraph('after')))
    expect(toText(doc)).toBe('inside a callout\nafter')
    expect(toMarkdown(doc)).toBe('inside a **callout**\n\nafter')
    expect(toHTML(doc)).toBe('<p>inside a <strong>callout</strong></p><p>after</p>')
  })
})

describe('Markdown export', () => {
  it('keeps a paragraph that looks like a heading with italics a plain paragraph', () => {
    const markdown = toMarkdown(ydoc(paragraph('# not a heading, *not italic*')))
    expect(markdown).toBe('\\# not a heading, \\*not italic\\*')
    expect(markdownToHTML(markdown).trim()).toBe('<p># not a heading, *not italic*</p>')
  })

  it.each(MARKDOWN_LOOKALIKES)('text %j reads back as the same text, alone and between hard breaks', (line) => {
    const content = [paragraph(line), paragraph('before', hardBreak, line, hardBreak, 'after')]
    const markdown = toMarkdown(ydoc(...content))
    expect(parseMarkdown(markdown)).toEqual(normalized(...content))
    const shown = escapeLikeMarked(line)
    expect(markdownToHTML(markdown)).toBe(`<p>${shown}</p>\n<p>before<br>${shown}<br>after</p>\n`)
  })

  it('text built from Markdown punctuation reads back as the same text in any block (property)', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abIv1 #*-+_=>`~[]()!<&|\\:.)$\u00a0'), minLength: 1, maxLength: 8 })
    const run = fc.record({
      text: fc.array(word, { minLength: 1, maxLength: 4 }).map(
        (words) =>
          words
            .join(' ')
            .replace(/ +/g, ' ')
            .replace(/^[ \u00a0]+|[ \u00a0]+$/g, '') || 'x',
      ),
      mark: fc.constantFrom(undefined, 'bold', 'italic', 'strike', 'underline', 'code'),
    })
    const line = fc.array(run, { minLength: 1, maxLength: 3 })
    const block = fc.record({ lines: fc.array(line, { minLength: 1, maxLength: 3 }), kind: fc.constantFrom('p', 'h', 'ul', 'ol', 'q') })
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 3 }), (blocks) => {
        const content = blocks.flatMap(({ lines, kind }, i) => {
          const inline = lines.flatMap((runs, l) => [
            ...(l > 0 ? [kind === 'h' ? text(' ') : hardBreak] : []),
            ...runs.map(({ text: value, mark }, r) => text(`${r > 0 ? ' ' : ''}${runText(value, mark)}`, ...(mark ? [mark] : []))),
          ])
          const wrapped = {
            p: paragraph(...inline),
            h: { type: 'heading', attrs: { level: 2 }, content: inline },
            ul: bulletList(item(paragraph(...inline))),
            ol: orderedList(1, item(paragraph(...inline))),
            q: blockquote(paragraph(...inline)),
          }[kind]
          // A paragraph between blocks: two adjacent lists are one list in Markdown.
          return i > 0 ? [paragraph('between'), wrapped] : [wrapped]
        })
        expect(visibleText(parseMarkdown(toMarkdown(ydoc(...content))))).toEqual(visibleText(normalized(...content)))
      }),
      { numRuns: 300, seed: 20_240_601 },
    )
  })

  // Markdown has no syntax for text alignment: it is the one thing an export to Markdown loses.
  it('round-trips every node and mark through Tiptap’s own Markdown parser, all but text alignment', () => {
    const markdown = toMarkdown(ydoc(...EVERYTHING))
    expect(parseMarkdown(markdown)).toEqual(normalized(...EVERYTHING.map(withoutAlignment)))
    expect(markdown).not.toMatch(/text-align/)
  })

  it('never lets text become raw HTML', () => {
    const markdown = toMarkdown(ydoc(...EVERYTHING))
    // `\<` is an escaped character in Markdown, not the start of a tag.
    expect(markdown).not.toMatch(/(?<!\\)<script/i)
    const html = markdownToHTML(markdown)
    expect(html).not.toMatch(/<script/i)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('writes the structure a CommonMark reader expects', () => {
    const html = markdownToHTML(toMarkdown(ydoc(...EVERYTHING)))
    expect(html).toContain('<h6>Heading 6 &lt;b&gt;</h6>')
    expect(html).toContain('<h3>Heading 3 ends with #</h3>')
    expect(html).toContain('<code>a `tick` inside</code>')
    expect(html).toContain('<a href="https://example.com/a_(b)?q=1&r=2">link</a>')
    expect(html).toContain('<a href="https://example.com/a%20b)%3Cscript%3E">odd link</a>')
    expect(html).toContain('<ol start="3">')
    expect(html).toContain(
      '<pre><code class="language-ts">const html = &quot;&lt;b&gt;*x*&lt;/b&gt;&quot;\n```\n# still code\n</code></pre>',
    )
    expect(html.match(/<h[1-6]>/g)).toHaveLength(6)
    expect(html.match(/<hr>/g)).toHaveLength(1)
    // Five lists (two of them checklists, one nested in each kind), a quote and two code blocks.
    expect(html.match(/<(ul|ol|blockquote|pre)>|<ol start/g)).toHaveLength(8)
    expect(html.match(/<input (checked="" )?disabled="" type="checkbox">/g)).toEqual([
      '<input checked="" disabled="" type="checkbox">',
      '<input disabled="" type="checkbox">',
      '<input disabled="" type="checkbox">',
    ])
    expect(html).toContain('<th>Name</th>\n<th><strong>Score</strong></th>')
    expect(html).toContain('<td>Ada | pipe</td>\n<td><code>10</code></td>')
    expect(html).toContain('<img src="https://example.com/cat.png" alt="A cat" title="Cat">')
  })

  it('strips leading indentation rather than turning a paragraph into a code block', () => {
    const markdown = toMarkdown(ydoc(paragraph('    four spaces'), paragraph('\ttab')))
    expect(parseMarkdown(markdown)).toEqual(normalized(paragraph('four spaces'), paragraph('tab')))
  })

  it('keeps a code block language that would break the fence out of the info string', () => {
    const markdown = toMarkdown(ydoc(codeBlock('ts`\n# x', 'code')))
    expect(parseMarkdown(markdown)).toEqual(normalized(codeBlock('ts#x', 'code')))
  })
})

describe('HTML export', () => {
  it('round-trips every node and mark, text alignment included, through the HTML reader', () => {
    const html = toHTML(ydoc(...EVERYTHING))
    expect(html).toContain('<h1 style="text-align: center">')
    expect(html).toContain('<mark>highlighted</mark>')
    expect(html).toContain('<th colspan="1" rowspan="1"><p>Name</p></th>')
    expect(normalizedHTML(htmlToJSON(html))).toEqual(normalized(...EVERYTHING))
  })

  it('keeps a code block’s language and escapes its code', () => {
    expect(toHTML(ydoc(codeBlock('ts', 'if (a < b) x = "<y>"')))).toBe(
      '<pre><code class="language-ts">if (a &lt; b) x = "&lt;y&gt;"</code></pre>',
    )
  })

  it('escapes text that looks like HTML', () => {
    const html = toHTML(ydoc(paragraph('<script>alert(1)</script>'), heading(2, '<img src=x onerror=alert(1)>')))
    expect(html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><h2>&lt;img src=x onerror=alert(1)&gt;</h2>')
  })

  it('renders every node and mark the way the editor does', () => {
    const html = toHTML(
      ydoc(
        heading(1, 'One'),
        paragraph(
          text('b', 'bold'),
          text('i', 'italic'),
          text('s', 'strike'),
          text('u', 'underline'),
          text('c', 'code'),
          text('l', link('https://example.com/?a=1&b="2"')),
          hardBreak,
          text('x', link('javascript:alert(1)')),
        ),
        bulletList(item(paragraph('bullet'))),
        orderedList(3, item(paragraph('third'))),
        blockquote(paragraph('quote')),
        codeBlock(null, 'plain'),
        horizontalRule,
      ),
    )
    expect(html).toBe(
      '<h1>One</h1>' +
        '<p><strong>b</strong><em>i</em><s>s</s><u>u</u><code>c</code>' +
        '<a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com/?a=1&amp;b=&quot;2&quot;">l</a><br/>' +
        '<a target="_blank" rel="noopener noreferrer nofollow" href="">x</a></p>' +
        '<ul><li><p>bullet</p></li></ul><ol start="3"><li><p>third</p></li></ol>' +
        '<blockquote><p>quote</p></blockquote><pre><code>plain</code></pre><hr/>',
    )
  })
})

describe('text export', () => {
  it('puts each block on its own line, hard breaks as newlines, and leaves Markdown-looking text alone', () => {
    const doc = ydoc(
      heading(2, 'Plan'),
      paragraph('# not a heading, ', text('*not italic*', 'italic'), hardBreak, '<b>raw</b>'),
      bulletList(item(paragraph('one'), bulletList(item(paragraph('nested')))), item(paragraph('two'))),
      orderedList(3, item(paragraph('three'))),
      blockquote(paragraph('quoted')),
      paragraph(),
      codeBlock('ts', 'a\nb'),
      horizontalRule,
      paragraph('end'),
    )
    expect(toText(doc)).toBe('Plan\n# not a heading, *not italic*\n<b>raw</b>\none\nnested\ntwo\nthree\nquoted\n\na\nb\n---\nend')
  })
})
