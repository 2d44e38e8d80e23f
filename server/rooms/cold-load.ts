import * as Y from 'yjs'
import { CloseCode, writeSyncStep2 } from '../../lib/protocol'
import { type Cancel, nextTurn, type Scheduler } from '../scheduler'
import type { StoredDocument } from '../storage/storage'
import type { Connection } from './connection'
import type { Log } from './log'

/** Stored documents at least this large take the fast path with a short wait for sync requests. */
export const FAST_PATH_MIN_BYTES = 256 * 1024
/** How long a large document's load waits for its connecting clients' sync requests. */
export const FAST_PATH_WAIT_MS = 20

/** The Yjs encoding of an empty document (no structs, no deletions). */
const EMPTY_UPDATE = new Uint8Array([0, 0])

function storedBytes(stored: StoredDocument): number {
  let total = stored.snapshot?.length ?? 0
  for (const update of stored.updates) total += update.length
  return total
}

/** The connections waiting for one document to load. */
interface Waiting {
  readonly connections: Set<Connection>
  /** Those that have not sent anything yet. */
  readonly silent: Set<Connection>
  /** Told whenever either set changes, while a load waits for sync requests. */
  onChange: (() => void) | null
}

export interface ColdLoadOptions {
  readonly scheduler: Scheduler
  readonly logger: Log
}

/**
 * The cold-load fast path (L6). Building a large Y.Doc blocks the event loop for a long time
 * (about 120 ms for 1 MB), while most connecting clients have nothing (state vector [0]) and
 * need exactly what is on disk. So a load answers them with sync step 2 straight from the
 * stored bytes (snapshot + log, merged) before it builds the document; they join the room,
 * with the rest of their backlog, once it is built. Nothing can be pending while a document is
 * not loaded, so this reveals only stored content (D5).
 *
 * The stock client sends its sync step 1 one round trip after the upgrade. For a large
 * document the load therefore waits, at most FAST_PATH_WAIT_MS, until every connection waiting
 * for it has sent something — told by the connections' events, not by polling.
 */
export class ColdLoad {
  private readonly waiting = new Map<string, Waiting>()
  private readonly scheduler: Scheduler
  private readonly logger: Log

  constructor(options: ColdLoadOptions) {
    this.scheduler = options.scheduler
    this.logger = options.logger
  }

  /**
   * A new connection waits for its document; it stays here until `remove`, which its owner
   * calls when it joins, when its load fails and when it closes.
   */
  add(connection: Connection): void {
    const entry = this.entry(connection.info.docId)
    entry.connections.add(connection)
    if (!connection.hasBacklog) {
      entry.silent.add(connection)
      // The only closure made here: it holds `entry`, and is dropped when the connection
      // joins or closes, so a waiting list does not outlive its load.
      connection.onFirstMessage(() => {
        if (entry.silent.delete(connection)) entry.onChange?.()
      })
    }
    entry.onChange?.()
  }

  /** The connection no longer waits (it joins its room, or its load failed). */
  remove(connection: Connection): void {
    const docId = connection.info.docId
    const entry = this.waiting.get(docId)
    if (!entry?.connections.delete(connection)) return
    entry.silent.delete(connection)
    entry.onChange?.()
    this.forgetIfUnused(docId, entry)
  }

  /**
   * Called by a load once the stored bytes are read and before the document is built. Resolves
   * when the waiting clients that asked for everything have been answered — one turn later if
   * anyone was, so their frames go out before the build blocks the loop.
   */
  async answerFromStorage(docId: string, stored: StoredDocument): Promise<void> {
    if (storedBytes(stored) >= FAST_PATH_MIN_BYTES) await this.untilEveryoneSpoke(docId)
    if (this.answer(docId, stored)) await nextTurn(this.scheduler)
  }

  /** Resolves once no connection waiting for `docId` is silent, or after FAST_PATH_WAIT_MS. */
  private untilEveryoneSpoke(docId: string): Promise<void> {
    const entry = this.entry(docId)
    if (entry.silent.size === 0) return Promise.resolve()
    return new Promise((resolve) => {
      let cancelTimer: Cancel | null = null
      const finish = (): void => {
        if (entry.onChange === null) return
        entry.onChange = null
        cancelTimer?.()
        this.forgetIfUnused(docId, entry)
        resolve()
      }
      entry.onChange = () => {
        if (entry.silent.size === 0) finish()
      }
      cancelTimer = this.scheduler.delay(FAST_PATH_WAIT_MS, finish)
    })
  }

  /** Sends sync step 2 from `stored` to every waiting connection whose first message asks for everything. */
  private answer(docId: string, stored: StoredDocument): boolean {
    const entry = this.waiting.get(docId)
    if (!entry) return false
    const takers = [...entry.connections].filter((connection) => connection.isOpen && connection.takeInitialSyncRequest())
    if (takers.length === 0) return false
    const parts = stored.snapshot ? [stored.snapshot, ...stored.updates] : [...stored.updates]
    let state: Uint8Array
    try {
      state = parts.length === 1 ? parts[0]! : parts.length === 0 ? EMPTY_UPDATE : Y.mergeUpdates(parts)
    } catch (err) {
      // A damaged row: let the normal path (which skips it) answer instead.
      this.logger.warn({ err, docId }, 'could not merge stored updates; answering after the load')
      for (const connection of takers) connection.close(CloseCode.DocumentReloaded)
      return false
    }
    const frame = writeSyncStep2(state)
    for (const connection of takers) connection.send(frame)
    return true
  }

  private entry(docId: string): Waiting {
    let entry = this.waiting.get(docId)
    if (!entry) {
      entry = { connections: new Set(), silent: new Set(), onChange: null }
      this.waiting.set(docId, entry)
    }
    return entry
  }

  private forgetIfUnused(docId: string, entry: Waiting): void {
    if (entry.connections.size === 0 && entry.onChange === null && this.waiting.get(docId) === entry) this.waiting.delete(docId)
  }
}
