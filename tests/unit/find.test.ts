// @vitest-environment jsdom
import { Editor } from '@tiptap/core'
import type { Node as ProseMirrorNode } from '@tiptap/pm/model'
import { afterEach, describe, expect, it } from 'vitest'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { documentSchema } from '../../lib/document/schema'
import { tandemExtensions } from '../../lib/editor/extensions'
import { Find, findMatches, moveFindMatch, readFind, replaceAllMatches, replaceCurrentMatch, setFindQuery } from '../../lib/editor/find'

/**
 * lib/editor/find.ts: matching over a real document (the Tandem schema), and the plugin in a
 * real collaborative Tiptap editor (jsdom): live matches after a collaborator's edit, replace,
 * replace all as one undo step.
 */

const schema = documentSchema()
const node = (name: string) => {
  const type = schema.nodes[name]
  if (!type) throw new Error(`no ${name} in the schema`)
  return type
}
const p = (...content: ProseMirrorNode[]) => node('paragraph').create(null, content)
const t = (text: string, ...marks: string[]) =>
  schema.text(
    text,
    marks.map((mark) => schema.mark(mark)),
  )
const doc = (...blocks: ProseMirrorNode[]) => node('doc').create(null, blocks)
const texts = (d: ProseMirrorNode, query: string, caseSensitive = false) =>
  findMatches(d, { query, caseSensitive }).map(({ from, to }) => d.textBetween(from, to))

describe('findMatches', () => {
  it('finds text across marks, with document positions', () => {
    const d = doc(p(t('The '), t('bo', 'bold'), t('ld', 'italic'), t(' move')))
    const matches = findMatches(d, { query: 'bold', caseSensitive: false })
    expect(matches).toEqual([{ from: 5, to: 9 }])
    expect(d.textBetween(5, 9)).toBe('bold')
  })

  it('is case-insensitive unless asked, and keeps offsets when lower case is longer', () => {
    const d = doc(p(t('Apple apple APPLE')))
    expect(texts(d, 'apple')).toEqual(['Apple', 'apple', 'APPLE'])
    expect(texts(d, 'apple', true)).toEqual(['apple'])
    expect(texts(d, 'APPLE', true)).toEqual(['APPLE'])
    // "İ" lower-cases to two code units; the match after it must still land on "cat".
    const turkish = doc(p(t('İstanbul cat')))
    expect(texts(turkish, 'cat')).toEqual(['cat'])
  })

  it('does not overlap matches, and never matches across blocks or a hard break', () => {
    expect(texts(doc(p(t('aaaa'))), 'aa')).toEqual(['aa', 'aa'])
    expect(findMatches(doc(p(t('aaa'))), { query: 'aa', caseSensitive: false })).toEqual([{ from: 1, to: 3 }])
    expect(texts(doc(p(t('end')), p(t('start'))), 'endstart')).toEqual([])
    const withBreak = doc(p(t('one'), node('hardBreak').create(), t('two one')))
    expect(texts(withBreak, 'onetwo')).toEqual([])
    expect(findMatches(withBreak, { query: 'one', caseSensitive: false })).toEqual([
      { from: 1, to: 4 },
      { from: 9, to: 12 },
    ])
  })

  it('searches inside lists, quotes and tables; an empty query matches nothing', () => {
    const d = schema.nodeFromJSON({
      type: 'doc',
      content: [
        {
          type: 'bulletList',
          content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x marks' }] }] }],
        },
        { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x quoted' }] }] },
        {
          type: 'table',
          content: [
            {
              type: 'tableRow',
              content: [{ type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x cell' }] }] }],
            },
          ],
        },
      ],
    })
    expect(texts(d, 'x ')).toEqual(['x ', 'x ', 'x '])
    expect(findMatches(d, { query: '', caseSensitive: false })).toEqual([])
  })
})

const editors: Editor[] = []
afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy()
})

/** Two collaborative editors on linked Y.Docs (updates applied to the other at once). */
function linkedPair(): [Editor, Editor] {
  const docs = [new Y.Doc(), new Y.Doc()] as const
  docs.forEach((d, i) => {
    d.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'link') Y.applyUpdate(docs[1 - i] as Y.Doc, update, 'link')
    })
  })
  return docs.map((d, i) => {
    const editor = new Editor({
      element: document.createElement('div'),
      extensions: [...tandemExtensions({ doc: d, awareness: new Awareness(d), user: { name: `User ${i}`, color: '#336699' } }), Find],
    })
    editors.push(editor)
    return editor
  }) as [Editor, Editor]
}

const currentText = (editor: Editor) => {
  const { matches, current } = readFind(editor.state)
  const match = matches[current]
  return match ? editor.state.doc.textBetween(match.from, match.to) : null
}

describe('the find plugin in a collaborative editor', () => {
  it('decorates matches, moves between them, follows a collaborator’s edits', () => {
    const [ada, grace] = linkedPair()
    ada.commands.setContent('<p>red green red blue red</p>')
    ada.commands.setTextSelection(1)
    setFindQuery(ada.view, 'red', false)
    expect(readFind(ada.state).matches).toHaveLength(3)
    expect(readFind(ada.state).current).toBe(0)
    expect(ada.view.dom.querySelectorAll('.tandem-find-match')).toHaveLength(3)
    expect(ada.view.dom.querySelectorAll('.tandem-find-match--current')).toHaveLength(1)

    moveFindMatch(ada.view, 1)
    moveFindMatch(ada.view, 1)
    expect(readFind(ada.state).current).toBe(2)
    moveFindMatch(ada.view, 1)
    expect(readFind(ada.state).current).toBe(0)
    moveFindMatch(ada.view, -1)
    expect(readFind(ada.state).current).toBe(2)

    // Grace adds a fourth "red" at the start: Ada sees it at once, and stays on the same match (now the 4th).
    grace.commands.insertContentAt(1, 'red ')
    expect(ada.getText()).toBe('red red green red blue red')
    expect(readFind(ada.state).matches).toHaveLength(4)
    expect(readFind(ada.state).current).toBe(3)
    expect(ada.view.dom.querySelectorAll('.tandem-find-match')).toHaveLength(4)

    setFindQuery(ada.view, '', false)
    expect(ada.view.dom.querySelectorAll('.tandem-find-match')).toHaveLength(0)
  })

  it('replaces the current match and moves on; replace all is one undo step that the collaborator sees', () => {
    const [ada, grace] = linkedPair()
    ada.commands.setContent('<p>cat, <strong>cat</strong> and Cat</p>')
    ada.commands.setTextSelection(1)
    setFindQuery(ada.view, 'cat', false)
    expect(readFind(ada.state).matches).toHaveLength(3)

    // Replacing with text that contains the query must not find the replacement again.
    replaceCurrentMatch(ada.view, 'cats')
    expect(ada.getText()).toBe('cats, cat and Cat')
    expect(currentText(ada)).toBe('cat')
    expect(readFind(ada.state).current).toBe(1)
    // The bold match stays bold once replaced.
    replaceCurrentMatch(ada.view, 'dog')
    expect(ada.getHTML()).toContain('<strong>dog</strong>')

    setFindQuery(ada.view, 'cat', true)
    ada.commands.setTextSelection(ada.state.doc.content.size - 1)
    ada.commands.insertContent(' cat')
    setFindQuery(ada.view, 'cat', true)
    expect(readFind(ada.state).matches).toHaveLength(2)
    expect(replaceAllMatches(ada.view, 'owl')).toBe(2)
    expect(ada.getText()).toBe('owls, dog and Cat owl')
    expect(grace.getText()).toBe('owls, dog and Cat owl')

    // One undo takes back the whole replace-all (and nothing typed before it).
    ada.commands.undo()
    expect(ada.getText()).toBe('cats, dog and Cat cat')
    expect(grace.getText()).toBe('cats, dog and Cat cat')
  })

  it('replaces nothing in a read-only editor', () => {
    const [ada] = linkedPair()
    ada.commands.setContent('<p>one one</p>')
    ada.setEditable(false)
    setFindQuery(ada.view, 'one', false)
    expect(readFind(ada.state).matches).toHaveLength(2)
    expect(replaceCurrentMatch(ada.view, 'two')).toBe(false)
    expect(replaceAllMatches(ada.view, 'two')).toBe(0)
    expect(ada.getText()).toBe('one one')
  })
})
