import fs from 'node:fs'
import path from 'node:path'
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { documentSchema, markdownToJSON, toText } from '../../lib/document'
import { storedText } from '../../lib/document/stored-text'
import { CONTENT_FIELD } from '../../lib/protocol'

/** A Y.Doc holding what the editor would write for `markdown`. */
function docOf(markdown: string): Y.Doc {
  const doc = new Y.Doc()
  prosemirrorJSONToYXmlFragment(documentSchema(), markdownToJSON(markdown), doc.getXmlFragment(CONTENT_FIELD))
  return doc
}

const EVERY_KIND = [
  '# Title\n\nA paragraph with **bold**, *italic*, `code`, ==highlight== and a [link](https://example.com).',
  'Line one  \nline two after a hard break',
  '- one\n- two\n  - nested\n\n1. first\n2. second',
  '- [ ] open task\n- [x] done task',
  '> a quote\n>\n> - with a list',
  '```js\nconst a = 1\nconst b = 2\n```',
  'before\n\n---\n\nafter',
  '| a | b |\n| --- | --- |\n| 1 | 2 |\n| three | four |',
  'text ![alt text](https://example.com/x.png "title") more',
  '![alone](https://example.com/y.png)\n\nnext paragraph',
  '',
  '\n\n\n',
]

describe('a document’s text read off the Y.Doc (list digests) is the text the document model gives', () => {
  for (const markdown of EVERY_KIND) {
    it(`for ${JSON.stringify(markdown.slice(0, 40))}`, () => {
      const doc = docOf(markdown)
      expect(storedText(doc)).toBe(toText(doc))
    })
  }

  it('for all of them in one document', () => {
    const doc = docOf(EVERY_KIND.join('\n\n'))
    expect(storedText(doc).length).toBeGreaterThan(100)
    expect(storedText(doc)).toBe(toText(doc))
  })

  it('loads neither Tiptap nor ProseMirror', () => {
    const source = fs.readFileSync(path.join(__dirname, '../../lib/document/stored-text.ts'), 'utf8')
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1])
    expect(imports).toEqual(['yjs', '../protocol/document-fields'])
  })
})
