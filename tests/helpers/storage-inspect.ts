import fs from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'
import { SqliteStorage } from '../../server/storage/sqlite'

/**
 * Reads what a server left in its SQLite file, with a fresh storage object and none of the
 * server's loading code: the snapshot and every logged update are applied strictly (a row Yjs
 * cannot apply fails the test instead of being skipped), and any update whose dependencies are
 * missing from storage is reported rather than silently left pending.
 *
 * The file is opened read-only, which takes no data-directory lock (D11), so this works while a
 * server runs on it too (WAL lets a reader in beside the writer).
 */
export interface StoredCopy {
  readonly doc: Y.Doc
  readonly hasSnapshot: boolean
  /** Log entries after the snapshot. */
  readonly logLength: number
  /**
   * True when some stored struct or deletion refers to something storage does not hold
   * (Yjs keeps such parts "pending" and does not show them): stored data with a hole.
   */
  readonly hasPending: boolean
}

export async function readStoredDoc(dataDir: string, docId: string): Promise<StoredCopy> {
  const file = path.join(dataDir, 'tandem.db')
  if (!fs.existsSync(file)) throw new Error(`no database at ${file}`)
  const storage = new SqliteStorage({ dataDir, readonly: true })
  try {
    const stored = await storage.load(docId)
    const doc = new Y.Doc()
    const entries = stored.snapshot ? [stored.snapshot, ...stored.updates] : [...stored.updates]
    for (const [index, update] of entries.entries()) {
      try {
        Y.applyUpdate(doc, update)
      } catch (err) {
        throw new Error(`stored entry ${index} of ${docId} does not apply: ${String(err)}`)
      }
    }
    const hasPending = doc.store.pendingStructs !== null || doc.store.pendingDs !== null
    return { doc, hasSnapshot: stored.snapshot !== null, logLength: stored.updates.length, hasPending }
  } finally {
    await storage.close()
  }
}

/** Hex of a state vector, for readable equality assertions. */
export function stateVectorHex(doc: Y.Doc): string {
  return Buffer.from(Y.encodeStateVector(doc)).toString('hex')
}

/** State vector as a plain object { clientId: clock }, sorted by client id. */
export function stateVectorObject(doc: Y.Doc): Record<string, number> {
  const sv = Y.decodeStateVector(Y.encodeStateVector(doc))
  const out: Record<string, number> = {}
  for (const clientId of [...sv.keys()].sort((a, b) => a - b)) out[String(clientId)] = sv.get(clientId) ?? 0
  return out
}
