import * as Y from 'yjs'
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/protocol'

/** Marks the scratch transaction that replays the changes made since the version. */
const SINCE_VERSION = Symbol('since-version')

/**
 * The update that turns a document whose state is `current` back into what it was in `version`
 * (an earlier state of the same document), as a forward change: it deletes what was added since
 * and inserts again, as new items, what was deleted since. Applied like any edit, it is relayed
 * to everyone and merges with concurrent edits (they survive), and a client that still holds
 * the replaced text cannot bring it back when it syncs, because that text is deleted, not
 * overwritten by an older copy.
 *
 * How: a scratch document (gc off, so deleted content keeps its text) starts at the version,
 * replays everything since under an UndoManager, and undoes it; what the undo emits is the
 * change. Only the content and the title are restored; other shared types (the history map)
 * stay as they are. `annotate` may add to the same change (the record of who restored what).
 * Null when the document is already as it was and nothing was added.
 *
 * The whole change is made here, in the scratch document's name: a Y.Doc treats a transaction
 * that applies an update as remote, and one that also held its own edits would make it think
 * its client id was taken.
 */
export function restoreUpdate(current: Uint8Array, version: Uint8Array, annotate?: (doc: Y.Doc) => void): Uint8Array | null {
  const scratch = new Y.Doc({ gc: false })
  try {
    Y.applyUpdate(scratch, version)
    const undo = new Y.UndoManager([scratch.getXmlFragment(CONTENT_FIELD), scratch.getText(TITLE_FIELD)], {
      trackedOrigins: new Set([SINCE_VERSION]),
      captureTimeout: Number.POSITIVE_INFINITY,
    })
    Y.applyUpdate(scratch, Y.diffUpdate(current, Y.encodeStateVector(scratch)), SINCE_VERSION)
    const changes: Uint8Array[] = []
    scratch.on('update', (update: Uint8Array) => changes.push(update))
    while (undo.canUndo()) undo.undo()
    undo.destroy()
    if (annotate) scratch.transact(() => annotate(scratch))
    return changes.length === 0 ? null : Y.mergeUpdates(changes)
  } finally {
    scratch.destroy()
  }
}
