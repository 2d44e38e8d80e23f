import type { Schema } from '@tiptap/pm/model'
import { defaultDeleteFilter, defaultProtectedNodes, ySyncPluginKey } from '@tiptap/y-tiptap'
import * as Y from 'yjs'

/**
 * Tandem's undo manager: undo and redo take back only this writer's own changes, and never
 * another writer's text.
 *
 * The Collaboration extension undoes with a Yjs UndoManager that records, per undo step, which
 * Y items this client inserted and deleted. Undoing a step deletes the items it inserted. If one
 * of them is a block (an XmlElement such as a quote) and a collaborator has since typed inside
 * it, deleting the block deletes everything in it: their words vanish from every screen.
 * y-tiptap's default `deleteFilter` only spares non-empty paragraphs and text, so a quote (or a
 * list, a heading…) that someone else wrote into went with its contents.
 *
 * Delete rule (`holdsForeignContent`): undo/redo never deletes a Y item whose subtree still holds
 * content (text, blocks, embeds) inserted by another client. Our own text inside such a block is
 * still taken back, character by character (the UndoManager deletes children before parents);
 * the block stays with the other person's text in it. y-tiptap's default rule is kept on top.
 * Given the document schema, a second rule (`breaksKeptBlock`) also keeps our own child of such a
 * block when the block could not do without it (a list item must start with a paragraph: with
 * ours gone, only the nested list someone else wrote would be left in it). y-tiptap deletes a
 * block the schema rejects, with everything in it, so the other person's text would go after all.
 *
 * Grouping rule: an undo step is about a word or a pause. Yjs merges changes closer together than
 * `captureTimeout` (a pause longer than that starts a new step); in addition a step ends after a
 * change that typed whitespace (the end of a word), and a change to the block structure (Enter,
 * a new quote or heading, joining blocks) is a step of its own, so a burst of typing comes back
 * word by word and a heading never goes together with the paragraph typed after it.
 *
 * Redo: like any Yjs UndoManager, this one empties the redo history on every new change it
 * records. So nothing the editor writes by itself may be recorded as this writer's change: the
 * trailing paragraph ProseMirror adds after an undo is written outside the history (see
 * ./trailing-node.ts); recorded, it made "undo everything, then redo" lose the writer's words.
 *
 * The limit is the network's: an undo only spares what this client has already received. Text a
 * collaborator types into a block at the same moment that block is undone here is lost, exactly
 * as with any concurrent deletion of that block.
 */

/** Longest pause (ms) inside one undo step. */
export const UNDO_CAPTURE_TIMEOUT_MS = 500

/** Whether `item`'s subtree has live content that a client other than `localClient` inserted. */
export function holdsForeignContent(item: Y.Item, localClient: number): boolean {
  if (!(item.content instanceof Y.ContentType)) return false
  let child: Y.Item | null = item.content.type._start
  while (child !== null) {
    if (!child.deleted) {
      if (child.id.client !== localClient && child.countable) return true
      if (holdsForeignContent(child, localClient)) return true
    }
    child = child.right
  }
  return false
}

/** Whether `parent`'s live children, leaving out `skip`, are content its node type accepts. */
function validContent(parent: Y.XmlElement, schema: Schema, skip: Y.Item | null): boolean {
  const type = schema.nodes[parent.nodeName]
  if (type === undefined) return true
  let match: ReturnType<typeof type.contentMatch.matchType> = type.contentMatch
  for (let child = parent._start; child !== null && match !== null; child = child.right) {
    if (child === skip || child.deleted || !(child.content instanceof Y.ContentType)) continue
    const node = child.content.type
    const childType = node instanceof Y.XmlText ? schema.nodes.text : node instanceof Y.XmlElement ? schema.nodes[node.nodeName] : undefined
    if (childType === undefined) return true
    match = match.matchType(childType)
  }
  return match?.validEnd ?? false
}

/**
 * Whether deleting `item` would leave its parent, a block that stays because it holds another
 * client's content, with content the schema rejects (and that was valid with `item`).
 */
export function breaksKeptBlock(item: Y.Item, localClient: number, schema: Schema): boolean {
  const parent = item.parent
  if (!(parent instanceof Y.XmlElement) || parent._item === null || parent._item.deleted) return false
  if (!holdsForeignContent(parent._item, localClient)) return false
  return validContent(parent, schema, null) && !validContent(parent, schema, item)
}

/** The delete filter: may undo/redo delete `item`? With a `schema`, kept blocks also stay valid. */
export function undoMayDelete(item: Y.Item, localClient: number, schema?: Schema): boolean {
  return (
    defaultDeleteFilter(item, defaultProtectedNodes) &&
    !holdsForeignContent(item, localClient) &&
    (schema === undefined || !breaksKeptBlock(item, localClient, schema))
  )
}

/**
 * A block (paragraph, quote, heading…), not the text node inside one: y-tiptap creates a
 * paragraph's text node with its first letter, which must not make that letter a step of its own.
 */
function isBlock(item: Y.Item): boolean {
  return item.content instanceof Y.ContentType && !(item.content.type instanceof Y.XmlText)
}

/**
 * How a local change bounds undo steps: 'structure' (it added or removed a block:
 * Enter, a new quote or heading, joining blocks) is a step of its own; 'word-end' (it typed
 * whitespace) ends the current step; null leaves grouping to the capture timeout.
 */
export function undoBoundary(transaction: Y.Transaction): 'structure' | 'word-end' | null {
  const doc = transaction.doc
  const client = doc.clientID
  const start = transaction.beforeState.get(client) ?? 0
  const end = transaction.afterState.get(client) ?? 0
  let structure = false
  let wordEnd = false
  if (end > start) {
    const structs = doc.store.clients.get(client) ?? []
    for (let i = structs.length - 1; i >= 0; i--) {
      const struct = structs[i]
      if (struct === undefined || struct.id.clock + struct.length <= start) break
      if (!(struct instanceof Y.Item) || struct.id.clock >= end) continue
      if (struct.content instanceof Y.ContentType) structure ||= isBlock(struct)
      else if (struct.content instanceof Y.ContentString) {
        const from = Math.max(0, start - struct.id.clock)
        const to = Math.min(struct.length, end - struct.id.clock)
        if (/\s/u.test(struct.content.str.slice(from, to))) wordEnd = true
      }
    }
  }
  Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
    if (struct instanceof Y.Item && struct.content instanceof Y.ContentType) structure ||= isBlock(struct)
  })
  return structure ? 'structure' : wordEnd ? 'word-end' : null
}

export interface TandemUndoOptions {
  /** Longest pause (ms) inside one undo step; defaults to UNDO_CAPTURE_TIMEOUT_MS. */
  captureTimeout?: number
  /** The document schema (the editor's): with it, undo never leaves a kept block invalid. */
  schema?: Schema
}

/**
 * A Y.UndoManager over `fragment` configured as described above, tracking the editor's own
 * changes (transactions from y-tiptap's sync plugin, as the Collaboration extension's default
 * manager does).
 */
export class TandemUndoManager extends Y.UndoManager {
  constructor(fragment: Y.XmlFragment, options: TandemUndoOptions = {}) {
    const doc = fragment.doc
    if (doc === null) throw new Error('TandemUndoManager: the fragment must belong to a Y.Doc')
    super(fragment, {
      trackedOrigins: new Set<unknown>([ySyncPluginKey]),
      captureTimeout: options.captureTimeout ?? UNDO_CAPTURE_TIMEOUT_MS,
      captureTransaction: (tr) => tr.meta.get('addToHistory') !== false,
      deleteFilter: (item) => undoMayDelete(item, doc.clientID, options.schema),
    })
    // Wrap the handler Yjs registered so the word/structure rule runs around each recorded change; `destroy` (and the Collaboration extension's re-mount) use this same property.
    const record = this.afterTransactionHandler
    doc.off('afterTransaction', record)
    this.afterTransactionHandler = (transaction: Y.Transaction) => {
      const own = transaction.origin !== this && this.trackedOrigins.has(transaction.origin) && this.captureTransaction(transaction)
      const boundary = own ? undoBoundary(transaction) : null
      if (boundary === 'structure') this.stopCapturing()
      record(transaction)
      if (boundary !== null) this.stopCapturing()
    }
    doc.on('afterTransaction', this.afterTransactionHandler)
  }

  override destroy(): void {
    // Y.UndoManager never removes the doc 'destroy' listener it adds; the doc outlives editors.
    this.doc.off('destroy', this.destroy)
    super.destroy()
  }
}
