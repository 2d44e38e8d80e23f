import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { toText } from '../../lib/document'
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/protocol'
import { restoreUpdate } from '../../server/versions/restore-diff'

/**
 * Restoring a version is a forward change computed in a scratch document: these tests apply it
 * to real Y.Docs the way the server and its clients would, and check the three promises — the
 * document reads as the version, a concurrent edit survives, an offline copy of the replaced
 * text does not come back.
 */

/** A live document with gc on, as the server keeps it. */
function liveDoc(): Y.Doc {
  return new Y.Doc({ gc: true })
}

function paragraphs(doc: Y.Doc): Y.XmlFragment {
  return doc.getXmlFragment(CONTENT_FIELD)
}

function addParagraph(doc: Y.Doc, text: string, index = paragraphs(doc).length): Y.XmlElement {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  paragraphs(doc).insert(index, [paragraph])
  return paragraph
}

function paragraphText(doc: Y.Doc, index: number): Y.XmlText {
  const paragraph = paragraphs(doc).get(index) as Y.XmlElement
  return paragraph.get(0) as Y.XmlText
}

function setTitle(doc: Y.Doc, title: string): void {
  const text = doc.getText(TITLE_FIELD)
  doc.transact(() => {
    text.delete(0, text.length)
    text.insert(0, title)
  })
}

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = liveDoc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

/** Two replicas exchange what each lacks, as y-websocket's sync steps do. */
function syncBoth(a: Y.Doc, b: Y.Doc): void {
  const toB = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b))
  const toA = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a))
  Y.applyUpdate(b, toB)
  Y.applyUpdate(a, toA)
}

/** The server's document, edited after a version was taken (several clients, with deletions). */
function editedAfterVersion(): { server: Y.Doc; version: Uint8Array } {
  const server = liveDoc()
  setTitle(server, 'Plan')
  addParagraph(server, 'First paragraph')
  addParagraph(server, 'Second paragraph')
  addParagraph(server, 'Third paragraph')
  const version = Y.encodeStateAsUpdate(server)
  // Another client edits: deletes a word, a whole paragraph, adds text and renames.
  const editor = copyOf(server)
  paragraphText(editor, 0).delete(0, 'First '.length)
  paragraphs(editor).delete(1, 1)
  addParagraph(editor, 'Added later')
  paragraphText(editor, 0).insert(0, 'Edited ')
  setTitle(editor, 'Plan v2')
  Y.applyUpdate(server, Y.encodeStateAsUpdate(editor, Y.encodeStateVector(server)))
  return { server, version }
}

function restore(server: Y.Doc, version: Uint8Array): Uint8Array {
  const update = restoreUpdate(Y.encodeStateAsUpdate(server), version)
  if (!update) throw new Error('expected a change')
  return update
}

describe('restore diff', () => {
  it('turns the document back into the version: content, deleted paragraph and title', () => {
    const { server, version } = editedAfterVersion()
    expect(toText(server)).toBe('Edited paragraph\nThird paragraph\nAdded later')
    Y.applyUpdate(server, restore(server, version))
    expect(toText(server)).toBe('First paragraph\nSecond paragraph\nThird paragraph')
    expect(server.getText(TITLE_FIELD).toString()).toBe('Plan')
    // Byte for byte the same reading as the version itself.
    const old = liveDoc()
    Y.applyUpdate(old, version)
    expect(paragraphs(server).toJSON()).toBe(paragraphs(old).toJSON())
  })

  it('is a forward change: the version and the history since it stay in the document', () => {
    const { server, version } = editedAfterVersion()
    const before = Y.encodeStateVector(server)
    const update = restore(server, version)
    Y.applyUpdate(server, update)
    // Every client's clock only moved forward; nothing was rewound.
    const after = Y.decodeStateVector(Y.encodeStateVector(server))
    for (const [client, clock] of Y.decodeStateVector(before)) expect(after.get(client)).toBe(clock)
    expect(after.size).toBe(Y.decodeStateVector(before).size + 1)
  })

  it('an edit made concurrently by another client survives the restore', () => {
    const { server, version } = editedAfterVersion()
    const typist = copyOf(server)
    const update = restore(server, version)
    // The typist adds text while the restore is computed and applied; neither has seen the other.
    paragraphText(typist, 1).insert('Third paragraph'.length, ' with a note')
    addParagraph(typist, 'Typed during the restore')
    Y.applyUpdate(server, update)
    syncBoth(server, typist)
    expect(toText(server)).toBe(toText(typist))
    expect(toText(server)).toBe('First paragraph\nSecond paragraph\nThird paragraph with a note\nTyped during the restore')
  })

  it('a client offline with the replaced text does not bring it back when it syncs', () => {
    const { server, version } = editedAfterVersion()
    const offline = copyOf(server)
    Y.applyUpdate(server, restore(server, version))
    syncBoth(server, offline)
    expect(toText(offline)).toBe('First paragraph\nSecond paragraph\nThird paragraph')
    expect(toText(server)).toBe('First paragraph\nSecond paragraph\nThird paragraph')
    expect(offline.getText(TITLE_FIELD).toString()).toBe('Plan')
  })

  it('restoring a version that is the current state changes nothing', () => {
    const server = liveDoc()
    addParagraph(server, 'Same')
    expect(restoreUpdate(Y.encodeStateAsUpdate(server), Y.encodeStateAsUpdate(server))).toBeNull()
  })

  it('restoring twice and then the state before the first restore round-trips', () => {
    const { server, version } = editedAfterVersion()
    const beforeRestore = Y.encodeStateAsUpdate(server)
    const textBefore = toText(server)
    Y.applyUpdate(server, restore(server, version))
    Y.applyUpdate(server, restore(server, beforeRestore))
    expect(toText(server)).toBe(textBefore)
    expect(server.getText(TITLE_FIELD).toString()).toBe('Plan v2')
  })

  it('leaves shared types other than content and title alone', () => {
    const server = liveDoc()
    addParagraph(server, 'Text')
    const version = Y.encodeStateAsUpdate(server)
    server.getMap('other').set('kept', 1)
    addParagraph(server, 'More')
    Y.applyUpdate(server, restore(server, version))
    expect(server.getMap('other').get('kept')).toBe(1)
    expect(toText(server)).toBe('Text')
  })
})
