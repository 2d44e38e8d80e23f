import { defaultDeleteFilter, defaultProtectedNodes, ySyncPluginKey } from '@tiptap/y-tiptap'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { TandemUndoManager, UNDO_CAPTURE_TIMEOUT_MS } from '../../lib/editor/undo'
import { CONTENT_FIELD } from '../../lib/protocol/document-fields'
import { createRng, type Rng } from '../helpers/seeded-random'

/**
 * Undo that is safe together (lib/editor/undo.ts), without an editor: three replicas built the
 * way y-tiptap writes a Tiptap document (paragraph > XmlText, blockquote > paragraph), synced in
 * memory with a seeded delivery order. Writer A's edits carry y-tiptap's sync origin, so A's
 * TandemUndoManager records them exactly as it does in the editor.
 */

const EDIT = 'edit'

/** Three replicas; each update waits in the receivers' queues until `deliver` hands it over. */
class Mesh {
  readonly docs: Y.Doc[]
  private readonly queues: Uint8Array[][]
  constructor() {
    // gc off: a character wrongly deleted must stay visible to the check as a deleted item.
    this.docs = [0, 1, 2].map((i) => {
      const doc = new Y.Doc({ gc: false })
      doc.clientID = 100 + i
      return doc
    })
    this.queues = this.docs.map(() => [])
    this.docs.forEach((doc, from) => {
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === this) return
        this.docs.forEach((_, to) => {
          if (to !== from) this.queues[to]?.push(update)
        })
      })
    })
  }
  /** Applies up to `count` pending updates, each to a replica chosen by `rng`, oldest first per replica. */
  deliver(rng: Rng, count: number): void {
    for (let n = 0; n < count; n++) {
      const waiting = this.queues.map((q, i) => (q.length > 0 ? i : -1)).filter((i) => i >= 0)
      if (waiting.length === 0) return
      const to = rng.pick(waiting)
      const update = this.queues[to]?.shift()
      const doc = this.docs[to]
      if (update && doc) Y.applyUpdate(doc, update, this)
    }
  }
  /** Everything still queued for replica `to`. */
  deliverAllTo(to: number): void {
    const doc = this.docs[to] as Y.Doc
    const queue = this.queues[to] as Uint8Array[]
    while (queue.length > 0) Y.applyUpdate(doc, queue.shift() as Uint8Array, this)
  }
  deliverAll(): void {
    while (this.queues.some((q) => q.length > 0)) {
      for (let i = 0; i < this.docs.length; i++) this.deliverAllTo(i)
    }
  }
}

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph')
  const t = new Y.XmlText()
  t.insert(0, text)
  p.insert(0, [t])
  return p
}

/** Containers blocks can be inserted into: the document and every quote. */
function containers(fragment: Y.XmlFragment): Array<Y.XmlFragment | Y.XmlElement> {
  const out: Array<Y.XmlFragment | Y.XmlElement> = [fragment]
  for (const child of fragment.toArray()) {
    if (child instanceof Y.XmlElement && child.nodeName === 'blockquote') out.push(child)
  }
  return out
}

/** Every paragraph's text, top level and inside quotes. */
function texts(fragment: Y.XmlFragment): Y.XmlText[] {
  const out: Y.XmlText[] = []
  for (const container of containers(fragment)) {
    for (const child of container.toArray()) {
      if (child instanceof Y.XmlElement && child.nodeName === 'paragraph') {
        const text = child.get(0)
        if (text instanceof Y.XmlText) out.push(text)
      }
    }
  }
  return out
}

type Op =
  | { kind: 'type'; user: number; at: number; offset: number; text: string }
  | { kind: 'paragraph'; user: number; at: number; index: number; text: string }
  | { kind: 'quote'; user: number; at: number }
  | { kind: 'delete'; user: number; at: number; offset: number; length: number }
  | { kind: 'deleteBlock'; user: number; at: number }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'pause' }
  | { kind: 'deliver'; count: number }

const user = fc.integer({ min: 0, max: 2 })
const at = fc.nat(3)
const word = fc.stringMatching(/^[a-z]{1,4} ?$/)
// Weighted towards quotes, typing and undo, where blocks written into by several people occur.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('type' as const), user, at, offset: fc.nat(20), text: word }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('paragraph' as const), user, at, index: fc.nat(2), text: word }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('quote' as const), user, at }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      user,
      at,
      offset: fc.nat(20),
      length: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteBlock' as const), user, at }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'undo' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'redo' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pause' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deliver' as const), count: fc.nat(6) }) },
)

/** A written-in edit by `user` (never an undo or redo), as y-tiptap would write it. */
function edit(doc: Y.Doc, op: Exclude<Op, { kind: 'undo' | 'redo' | 'pause' | 'deliver' }>, origin: unknown): void {
  const fragment = doc.getXmlFragment(CONTENT_FIELD)
  doc.transact(() => {
    switch (op.kind) {
      case 'type': {
        const all = texts(fragment)
        const text = all[op.at % Math.max(1, all.length)]
        if (text) text.insert(op.offset % (text.length + 1), op.text)
        else fragment.insert(0, [paragraph(op.text)])
        return
      }
      case 'paragraph': {
        const all = containers(fragment)
        const container = all[op.at % all.length] as Y.XmlFragment | Y.XmlElement
        container.insert(op.index % (container.length + 1), [paragraph(op.text)])
        return
      }
      case 'quote': {
        // y-tiptap cannot move a block: wrapping replaces the paragraph by a new quote holding a
        // new paragraph with the same text.
        const blocks = fragment.toArray()
        const index = op.at % Math.max(1, blocks.length)
        const block = blocks[index]
        if (!(block instanceof Y.XmlElement) || block.nodeName !== 'paragraph') return
        const content = block.get(0)
        const quote = new Y.XmlElement('blockquote')
        quote.insert(0, [paragraph(content instanceof Y.XmlText ? content.toString() : '')])
        fragment.delete(index, 1)
        fragment.insert(index, [quote])
        return
      }
      case 'delete': {
        const all = texts(fragment)
        const text = all[op.at % Math.max(1, all.length)]
        if (!text || text.length === 0) return
        const offset = op.offset % text.length
        text.delete(offset, Math.min(op.length, text.length - offset))
        return
      }
      case 'deleteBlock': {
        if (fragment.length === 0) return
        fragment.delete(op.at % fragment.length, 1)
        return
      }
    }
  }, origin)
}

function charKey(client: number, clock: number): string {
  return `${client}:${clock}`
}

/**
 * A written deletion of a block also deletes what others typed into it concurrently (that is
 * Yjs, not undo): such characters count as deleted by that edit.
 */
function deletedWithWrittenAncestor(item: Y.Item, writtenDeletes: Set<string>): boolean {
  let ancestor = (item.parent as Y.AbstractType<unknown>)._item
  while (ancestor !== null) {
    if (writtenDeletes.has(charKey(ancestor.id.client, ancestor.id.clock))) return true
    ancestor = (ancestor.parent as Y.AbstractType<unknown>)._item
  }
  return false
}

interface RunResult {
  /** B's and C's characters that are gone though no written edit deleted them (or a block holding them), per replica. */
  lost: string[]
  converged: boolean
  /** Steps the final undo-all took back, and how many of as many redos then changed something. */
  undone: number
  redone: number
  /** A's own live text (document order) and the document, before the final undo-all and after the redo-all. */
  before: { own: string; json: string }
  after: { own: string; json: string }
}

/** The live characters `client` inserted, in document order (a redo re-inserts them as new items of the same client). */
function ownText(type: { _start: Y.Item | null }, client: number): string {
  let out = ''
  let item = type._start
  while (item !== null) {
    if (!item.deleted) {
      if (item.content instanceof Y.ContentString && item.id.client === client) out += item.content.str
      else if (item.content instanceof Y.ContentType) out += ownText(item.content.type, client)
    }
    item = item.right
  }
  return out
}

/**
 * Runs `ops` (A = replica 0 with the undo manager) and checks the property. `withoutFilter`
 * swaps in y-tiptap's default delete filter, to show the property detects the bug.
 */
function run(seed: number, ops: Op[], withoutFilter = false): RunResult {
  const rng = createRng(seed)
  const mesh = new Mesh()
  const [a] = mesh.docs as [Y.Doc, Y.Doc, Y.Doc]
  const undo = new TandemUndoManager(a.getXmlFragment(CONTENT_FIELD), { captureTimeout: Number.MAX_SAFE_INTEGER })
  if (withoutFilter) undo.deleteFilter = (item) => defaultDeleteFilter(item, defaultProtectedNodes)
  // Items deleted by a written edit (anyone's, never an undo or redo), on the writer's replica.
  const writtenDeletes = new Set<string>()
  for (const doc of mesh.docs) {
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (!tr.local || tr.origin === undo) return
      Y.iterateDeletedStructs(tr, tr.deleteSet, (struct) => {
        for (let i = 0; i < struct.length; i++) writtenDeletes.add(charKey(struct.id.client, struct.id.clock + i))
      })
    })
  }
  for (const op of ops) {
    switch (op.kind) {
      case 'undo':
      case 'redo':
        // A undoes what A can see, and nobody edits concurrently with the undo: an undo cannot
        // spare text that has not arrived yet (lib/editor/undo.ts), any more than a delete can.
        mesh.deliverAll()
        if (op.kind === 'undo') undo.undo()
        else undo.redo()
        mesh.deliverAll()
        break
      case 'pause':
        undo.stopCapturing()
        break
      case 'deliver':
        mesh.deliver(rng, op.count)
        break
      default:
        edit(mesh.docs[op.user] as Y.Doc, op, op.user === 0 ? ySyncPluginKey : EDIT)
    }
  }
  mesh.deliverAll()
  // Finally A undoes everything, then redoes as many steps as the undos took back, with nobody
  // else editing: A's own text must be back as it was, and the whole document with it.
  const fragmentA = a.getXmlFragment(CONTENT_FIELD)
  const before = { own: ownText(fragmentA, a.clientID), json: fragmentA.toJSON() }
  let undone = 0
  while (undo.canUndo()) if (undo.undo() !== null) undone++
  mesh.deliverAll()
  let redone = 0
  for (let i = 0; i < undone; i++) if (undo.redo() !== null) redone++
  mesh.deliverAll()
  const after = { own: ownText(fragmentA, a.clientID), json: fragmentA.toJSON() }
  const json = mesh.docs.map((doc) => JSON.stringify(doc.getXmlFragment(CONTENT_FIELD).toJSON()))
  const lost: string[] = []
  for (const [replica, doc] of mesh.docs.entries()) {
    for (const client of [101, 102]) {
      for (const struct of doc.store.clients.get(client) ?? []) {
        if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString) || !struct.deleted) continue
        for (let i = 0; i < struct.length; i++) {
          const key = charKey(client, struct.id.clock + i)
          if (!writtenDeletes.has(key) && !deletedWithWrittenAncestor(struct, writtenDeletes))
            lost.push(`replica ${replica}: ${key} '${struct.content.str[i]}'`)
        }
      }
    }
  }
  undo.destroy()
  return { lost, converged: json.every((j) => j === json[0]), undone, redone, before, after }
}

/** The property's seed: fixed unless TANDEM_FUZZ_SEED asks for another draw. */
const FUZZ_SEED = Number(process.env.TANDEM_FUZZ_SEED ?? 20261202)

const property = (withoutFilter: boolean) =>
  fc.property(fc.integer(), fc.array(opArb, { maxLength: 40 }), (seed, ops) => {
    const result = run(seed, ops, withoutFilter)
    expect(result.converged).toBe(true)
    expect(result.lost).toEqual([])
    if (!withoutFilter) {
      expect(result.after.own).toBe(result.before.own)
      expect(result.after.json).toBe(result.before.json)
      // The content is what must come back; the number of steps may differ (a step whose undo
      // restored a deleted block as a copy can come back within a neighbouring one, and Yjs
      // skips a redo entry that changes nothing), so only "something was redone" is required.
      if (result.undone > 0) expect(result.redone).toBeGreaterThan(0)
    }
  })

describe('undo that is safe together', () => {
  it("the quote-block scenario: A's undo keeps the line B typed inside A's quote", () => {
    const mesh = new Mesh()
    const [a, b] = mesh.docs as [Y.Doc, Y.Doc, Y.Doc]
    const undo = new TandemUndoManager(a.getXmlFragment(CONTENT_FIELD))
    edit(a, { kind: 'paragraph', user: 0, at: 0, index: 0, text: 'quote me' }, ySyncPluginKey)
    undo.stopCapturing()
    edit(a, { kind: 'quote', user: 0, at: 0 }, ySyncPluginKey)
    mesh.deliverAll()
    // B adds a line inside the quote (container 1 is the quote).
    edit(b, { kind: 'paragraph', user: 1, at: 1, index: 1, text: 'from B' }, EDIT)
    mesh.deliverAll()
    while (undo.canUndo()) undo.undo()
    mesh.deliverAll()
    for (const doc of mesh.docs) {
      expect(doc.getXmlFragment(CONTENT_FIELD).toJSON()).toBe('<blockquote><paragraph>from B</paragraph></blockquote>')
    }
    while (undo.canRedo()) undo.redo()
    mesh.deliverAll()
    for (const doc of mesh.docs) {
      expect(doc.getXmlFragment(CONTENT_FIELD).toJSON()).toBe(
        '<blockquote><paragraph>quote me</paragraph><paragraph>from B</paragraph></blockquote>',
      )
    }
  })

  it("property: random edits by three writers, random undos and redos by A — B's and C's characters survive; A's undo-all then redo-all brings A's text back", () => {
    // A fixed seed keeps `npm test` reproducible: the same 500 cases every run, so CI is red
    // only for a change, never for the draw. Explore other cases with TANDEM_FUZZ_SEED=<n>.
    fc.assert(property(false), { numRuns: 500, seed: FUZZ_SEED })
  })

  it('regression (fast-check seed -1817942129): a block deleted and restored by undo, then undo-all and redo-all, brings the same text back', () => {
    const ops: Op[] = [
      { kind: 'paragraph', user: 0, at: 0, index: 0, text: 'aaa ' },
      { kind: 'type', user: 0, at: 0, offset: 13, text: 'aa' },
      { kind: 'deleteBlock', user: 0, at: 0 },
      { kind: 'undo' },
      { kind: 'delete', user: 0, at: 0, offset: 17, length: 1 },
    ]
    const result = run(0, ops)
    expect(result.lost).toEqual([])
    expect(result.after.json).toBe(result.before.json)
    expect(result.after.own).toBe(result.before.own)
    expect(result.before.own).not.toBe('')
    // The case that made a step count check fail: fewer redo steps than undo steps, same text.
    expect(result.redone).toBeLessThan(result.undone)
  })

  it("the property finds the bug with y-tiptap's default delete filter", () => {
    const result = fc.check(property(true), { numRuns: 500, seed: 9 })
    expect(result.failed).toBe(true)
    // The shrunk counterexample, for the record (and the report).
    console.info('counterexample without the delete filter:', JSON.stringify(result.counterexample))
  })

  it('an undo step is a word: typing "one two" letter by letter undoes "two", then "one "', () => {
    const doc = new Y.Doc()
    const fragment = doc.getXmlFragment(CONTENT_FIELD)
    // No pause ever ends a step here: only the word rule does.
    const undo = new TandemUndoManager(fragment, { captureTimeout: Number.MAX_SAFE_INTEGER })
    doc.transact(() => fragment.insert(0, [paragraph('')]), ySyncPluginKey)
    const text = texts(fragment)[0] as Y.XmlText
    for (const ch of 'one two') doc.transact(() => text.insert(text.length, ch), ySyncPluginKey)
    expect(text.toString()).toBe('one two')
    undo.undo()
    expect(text.toString()).toBe('one ')
    undo.undo()
    expect(text.toString()).toBe('')
  })

  it('Enter ends an undo step: a heading and the paragraph typed after it undo separately', () => {
    const doc = new Y.Doc()
    const fragment = doc.getXmlFragment(CONTENT_FIELD)
    const undo = new TandemUndoManager(fragment, { captureTimeout: Number.MAX_SAFE_INTEGER })
    const heading = new Y.XmlElement('heading')
    heading.insert(0, [new Y.XmlText()])
    doc.transact(() => fragment.insert(0, [heading]), ySyncPluginKey)
    const title = heading.get(0) as Y.XmlText
    for (const ch of 'Title') doc.transact(() => title.insert(title.length, ch), ySyncPluginKey)
    doc.transact(() => fragment.insert(1, [paragraph('')]), ySyncPluginKey)
    const body = texts(fragment)[0] as Y.XmlText
    for (const ch of 'Body') doc.transact(() => body.insert(body.length, ch), ySyncPluginKey)
    expect(fragment.toJSON()).toBe('<heading>Title</heading><paragraph>Body</paragraph>')
    undo.undo()
    expect(fragment.toJSON()).toBe('<heading>Title</heading><paragraph></paragraph>')
    undo.undo()
    expect(fragment.toJSON()).toBe('<heading>Title</heading>')
    undo.undo()
    expect(fragment.toJSON()).toBe('<heading></heading>')
  })

  it("a paragraph's first letter (which creates its text node) is not a step of its own", () => {
    const doc = new Y.Doc()
    const fragment = doc.getXmlFragment(CONTENT_FIELD)
    const undo = new TandemUndoManager(fragment, { captureTimeout: Number.MAX_SAFE_INTEGER })
    const block = new Y.XmlElement('paragraph')
    doc.transact(() => fragment.insert(0, [block]), ySyncPluginKey)
    // As y-tiptap writes into an empty paragraph: a new text node holding the first letter.
    doc.transact(() => {
      const first = new Y.XmlText()
      first.insert(0, 'H')
      block.insert(0, [first])
    }, ySyncPluginKey)
    const text = block.get(0) as Y.XmlText
    for (const ch of 'i there') doc.transact(() => text.insert(text.length, ch), ySyncPluginKey)
    expect(fragment.toJSON()).toBe('<paragraph>Hi there</paragraph>')
    undo.undo()
    expect(fragment.toJSON()).toBe('<paragraph>Hi </paragraph>')
    undo.undo()
    expect(block.toString()).not.toContain('H')
    expect(fragment.length).toBe(1)
  })

  it('a pause ends an undo step: the default window is half a second', () => {
    const doc = new Y.Doc()
    const undo = new TandemUndoManager(doc.getXmlFragment(CONTENT_FIELD))
    expect(undo.captureTimeout).toBe(UNDO_CAPTURE_TIMEOUT_MS)
    expect(UNDO_CAPTURE_TIMEOUT_MS).toBe(500)
  })

  it('edits that are not the editor’s own (other origins, remote updates) are never undone', () => {
    const mesh = new Mesh()
    const [a, b] = mesh.docs as [Y.Doc, Y.Doc, Y.Doc]
    const undo = new TandemUndoManager(a.getXmlFragment(CONTENT_FIELD))
    edit(b, { kind: 'paragraph', user: 1, at: 0, index: 0, text: 'B wrote' }, EDIT)
    mesh.deliverAll()
    expect(undo.canUndo()).toBe(false)
  })
})
