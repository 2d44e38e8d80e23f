import * as Y from 'yjs'

/**
 * Decodes a Yjs update completely without touching any document. Yjs applies structs before
 * it reads the delete set, so a truncated update handed straight to `applyUpdate` would leave
 * its valid prefix applied; decoding it first rejects it whole.
 *
 * Returns false for an update that does not decode, and 'empty' for one that carries nothing
 * (the client's answer to sync step 1 when it has nothing new), which needs no commit.
 */
export function checkUpdate(update: Uint8Array): 'ok' | 'empty' | false {
  if (update.length === 2 && update[0] === 0 && update[1] === 0) return 'empty'
  try {
    const decoded = Y.decodeUpdate(update)
    if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return 'empty'
    return 'ok'
  } catch {
    return false
  }
}
