// @vitest-environment jsdom
import { Editor, type Extensions } from '@tiptap/core'
import { defaultDeleteFilter, defaultProtectedNodes, yUndoPluginKey } from '@tiptap/y-tiptap'
import { afterEach, describe, expect, it } from 'vitest'
import { Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { documentExtensions } from '../../lib/document/schema'
import { tandemExtensions } from '../../lib/editor/extensions'
import type { TandemUndoManager } from '../../lib/editor/undo'

/**
 * The quote-block scenario with two real Tiptap editors built from Tandem's extension list
 * (lib/editor/extensions.ts), in jsdom, their Y.Docs linked in memory (every update is applied
 * to the other document at once).
 */

const LINK = 'link'
const editors: Editor[] = []

afterEach(() => {
  for (const editor of editors.splice(0)) editor.destroy()
})

/**
 * Tandem's extensions with StarterKit's stock trailing node instead of Tandem's
 * (lib/editor/trailing-node.ts), to show what that one fixes.
 */
const withStockTrailingNode = (extensions: Extensions): Extensions => {
  const documentOnes = new Set(documentExtensions().map((extension) => extension.name))
  return [
    ...documentExtensions(),
    ...extensions.filter((extension) => !documentOnes.has(extension.name) && extension.name !== 'tandemTrailingNode'),
  ]
}

function linkedPair(adapt: (extensions: Extensions) => Extensions = (extensions) => extensions): [Editor, Editor] {
  const docs = [new Y.Doc(), new Y.Doc()] as const
  docs.forEach((doc, i) => {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== LINK) Y.applyUpdate(docs[1 - i] as Y.Doc, update, LINK)
    })
  })
  const names = ['Ada', 'Grace']
  const pair = docs.map((doc, i) => {
    const editor = new Editor({
      element: document.createElement('div'),
      extensions: adapt(
        tandemExtensions({
          doc,
          awareness: new Awareness(doc),
          user: { name: names[i] as string, color: '#336699' },
        }),
      ),
    })
    editors.push(editor)
    return editor
  })
  return pair as [Editor, Editor]
}

/** Paragraph texts inside the editor's quotes. */
function quoteLines(editor: Editor): string[] {
  const lines: string[] = []
  editor.state.doc.descendants((node, _pos, parent) => {
    if (node.type.name === 'paragraph' && parent?.type.name === 'blockquote') lines.push(node.textContent)
    return true
  })
  return lines
}

/** Ada quotes a line; Grace adds a line inside the quote. */
function writeTogether(ada: Editor, grace: Editor): void {
  ada.chain().focus().insertContent('Quote from Ada').run()
  ada.chain().focus().toggleBlockquote().run()
  expect(quoteLines(grace)).toEqual(['Quote from Ada'])
  // The end of the quote's paragraph, in Grace's document.
  let end = -1
  grace.state.doc.descendants((node, pos) => {
    if (node.type.name === 'paragraph' && end < 0) end = pos + 1 + node.content.size
    return true
  })
  grace.chain().setTextSelection(end).splitBlock().insertContent('Line from Grace').run()
  expect(quoteLines(ada)).toEqual(['Quote from Ada', 'Line from Grace'])
}

function undoAll(editor: Editor): number {
  let undos = 0
  while (editor.can().undo()) {
    editor.commands.undo()
    undos++
    if (undos > 100) throw new Error('undo never ran out')
  }
  return undos
}

describe("undo in Tandem's editor", () => {
  it("Ada undoes everything she did: Grace's line stays in the quote on both screens, redo brings Ada's back", () => {
    const [ada, grace] = linkedPair()
    writeTogether(ada, grace)
    expect(undoAll(ada)).toBeGreaterThan(1)
    for (const editor of [ada, grace]) {
      expect(quoteLines(editor)).toEqual(['Line from Grace'])
      expect(editor.state.doc.textContent).toBe('Line from Grace')
    }
    while (ada.can().redo()) ada.commands.redo()
    for (const editor of [ada, grace]) expect(quoteLines(editor)).toEqual(['Quote from Ada', 'Line from Grace'])
  })

  it("the editor runs Tandem's undo manager; with y-tiptap's default delete filter, the same undo erases Grace's line", () => {
    const [ada, grace] = linkedPair()
    const undoManager = yUndoPluginKey.getState(ada.state)?.undoManager as TandemUndoManager
    expect(undoManager.constructor.name).toBe('TandemUndoManager')
    undoManager.deleteFilter = (item) => defaultDeleteFilter(item, defaultProtectedNodes)
    writeTogether(ada, grace)
    undoAll(ada)
    for (const editor of [ada, grace]) expect(editor.state.doc.textContent).not.toContain('Line from Grace')
  })

  it("an ordinary transaction between the undos and the redos (a collaborator's caret moving, a click) keeps the redo history", () => {
    const [ada, grace] = linkedPair()
    writeTogether(ada, grace)
    undoAll(ada)
    // The undo leaves the quote Grace wrote into at the end: ProseMirror adds the trailing
    // paragraph, which y-tiptap writes to the Y.Doc with the next transaction, like this one (what
    // the caret plugin dispatches when a collaborator's caret moves, or a click).
    ada.view.dispatch(ada.state.tr.setMeta('caretMoved', true))
    expect(ada.can().redo()).toBe(true)
    while (ada.can().redo()) ada.commands.redo()
    for (const editor of [ada, grace]) expect(quoteLines(editor)).toEqual(['Quote from Ada', 'Line from Grace'])
  })

  it("with StarterKit's stock trailing node, that transaction empties the redo history and Ada's words never come back", () => {
    const [ada, grace] = linkedPair(withStockTrailingNode)
    writeTogether(ada, grace)
    undoAll(ada)
    expect(ada.can().redo()).toBe(true)
    ada.view.dispatch(ada.state.tr.setMeta('caretMoved', true))
    expect(ada.can().redo()).toBe(false)
    for (const editor of [ada, grace]) expect(quoteLines(editor)).toEqual(['Line from Grace'])
  })

  it("a list item Grace nested her list into keeps a paragraph when Ada undoes hers: Grace's text stays (y-tiptap would delete an invalid item with it)", () => {
    const [ada, grace] = linkedPair()
    ada.chain().focus().insertContent('Ada item').run()
    ada.chain().focus().toggleBulletList().run()
    let end = -1
    grace.state.doc.descendants((node, pos) => {
      if (node.type.name === 'paragraph' && end < 0) end = pos + 1 + node.content.size
      return true
    })
    // Grace: Enter at the end of Ada's item, Tab (a list nested in Ada's item), her line.
    grace.chain().setTextSelection(end).splitListItem('listItem').sinkListItem('listItem').insertContent('Grace nested').run()
    const nested = '<ul><li><p>Ada item</p><ul><li><p>Grace nested</p></li></ul></li></ul>'
    expect(ada.getHTML()).toContain(nested)
    undoAll(ada)
    for (const editor of [ada, grace]) {
      expect(editor.state.doc.textContent).toBe('Grace nested')
      expect(editor.getHTML()).toContain('<ul><li><p></p><ul><li><p>Grace nested</p></li></ul></li></ul>')
    }
    ada.view.dispatch(ada.state.tr.setMeta('caretMoved', true))
    while (ada.can().redo()) ada.commands.redo()
    for (const editor of [ada, grace]) expect(editor.getHTML()).toContain(nested)
  })
})
