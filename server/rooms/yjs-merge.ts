import * as Y from 'yjs'
import type { StoredDocument } from '../storage/storage'
import type { Log } from './log'

/**
 * Builds a Y.Doc from a stored snapshot and log. Each stored entry is applied on its own so
 * one damaged row (which the server never writes, but a disk can) costs that row only.
 */
export function docFromStorage(stored: StoredDocument, logger: Log, docId: string): Y.Doc {
  const doc = new Y.Doc({ gc: true })
  doc.transact(() => {
    const entries = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates
    for (const [index, update] of entries.entries()) {
      try {
        Y.applyUpdate(doc, update)
      } catch (err) {
        logger.error({ err, docId, index }, 'skipped a stored update that Yjs could not apply')
      }
    }
  })
  return doc
}

/** The storage `MergeUpdates` function: snapshot + log → one garbage-collected snapshot. */
export function mergeIntoSnapshot(snapshot: Uint8Array | null, updates: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc({ gc: true })
  try {
    doc.transact(() => {
      if (snapshot) Y.applyUpdate(doc, snapshot)
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}
