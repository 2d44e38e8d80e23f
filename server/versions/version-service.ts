import { randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import { HISTORY_FIELD, type LastRestore } from '../../lib/protocol'
import type { Log } from '../rooms/log'
import type { RoomManager } from '../rooms/room-manager'
import type { Scheduler } from '../scheduler'
import {
  DocumentDeletedError,
  type NewVersion,
  type Storage,
  type StoredVersion,
  type VersionAuthor,
  type VersionMeta,
} from '../storage/storage'
import { AutomaticVersions } from './automatic-versions'
import { includesVersion, restoreUpdate } from './restore-diff'
import { packState, unpackState } from './state-packing'
import { versionsToThin } from './thinning'

/** Who restored a version, as every client shows it (LastRestore.by). */
export type Restorer = LastRestore['by']

/** This server's copy of the document lacks part of the version (a cluster catching up): retry. */
export class DocumentCatchingUpError extends Error {
  constructor(readonly docId: string) {
    super(`document ${docId} is catching up with the other servers; try again`)
    this.name = 'DocumentCatchingUpError'
  }
}

export interface RestoreResult {
  /** The version that was restored. */
  readonly restored: VersionMeta
  /** The state just before the restore, saved so the restore can be undone by restoring it. */
  readonly backup: VersionMeta
}

/**
 * Called after a save or a restore succeeded (webhooks). A restore first saves its backup,
 * which is reported as created too.
 */
export interface VersionEvents {
  versionCreated?(docId: string, version: VersionMeta): void
  documentRestored?(docId: string, restore: { readonly version: VersionMeta; readonly backup: VersionMeta; readonly by: Restorer }): void
}

export interface VersionServiceOptions {
  readonly storage: Storage
  readonly rooms: RoomManager
  readonly logger: Log
  /** Wall-clock time stamped on versions (ms since the epoch). */
  readonly now: () => number
  /** Timers of automatic versions. */
  readonly scheduler: Scheduler
  /** At most one automatic version per document per this many ms; 0 turns them off. */
  readonly intervalMs: number
  readonly events?: VersionEvents
}

function newVersionId(): string {
  return randomBytes(9).toString('base64url')
}

async function unpacked(version: StoredVersion | null): Promise<StoredVersion | null> {
  return version && { ...version, state: await unpackState(version.state) }
}

function withoutState({ state: _state, ...meta }: StoredVersion): VersionMeta {
  return meta
}

/** How a restore's backup names the version it replaced the document with. */
function describe(version: VersionMeta): string {
  if (version.name !== null) return `“${version.name}”`
  return `${new Date(version.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/**
 * Whether two states of one document hold the same content (state vector and deletions alike).
 * The state vectors are compared first, read off the stored bytes without building a document:
 * after an edit they almost always differ, and only equal ones (say, text typed and deleted
 * again) need the stored state applied to a scratch document to compare deletions.
 */
function sameState(a: Y.Snapshot, stored: Uint8Array): boolean {
  const storedVector = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(stored))
  if (storedVector.size !== a.sv.size) return false
  for (const [client, clock] of a.sv) if (storedVector.get(client) !== clock) return false
  const doc = new Y.Doc()
  try {
    Y.applyUpdate(doc, stored)
    return Y.equalSnapshots(a, Y.snapshot(doc))
  } finally {
    doc.destroy()
  }
}

/**
 * A document's history (server rules V1–V7), independent of the storage backend: named versions on demand,
 * automatic versions while it is edited (thinned with age), and restores. A version is always
 * what is stored (D5), never an edit a crash could still lose; a restore is a forward change
 * committed like any edit (see restore-diff.ts), so it reaches every open editor live.
 */
export class VersionService {
  private readonly automatic: AutomaticVersions
  /** Restores of one document run one after the other (each diffs against the state the last left). */
  private readonly restoring = new Map<string, Promise<unknown>>()

  constructor(private readonly options: VersionServiceOptions) {
    this.automatic = new AutomaticVersions({
      intervalMs: options.intervalMs,
      scheduler: options.scheduler,
      logger: options.logger,
      take: (docId) => this.saveAutomatic(docId),
    })
  }

  /** A change of the document was committed on this server (drives automatic versions). */
  documentChanged(docId: string): void {
    this.automatic.changed(docId)
  }

  /** Documents with an automatic version due (for tests and inspection). */
  get automaticVersionsDue(): number {
    return this.automatic.pending
  }

  list(docId: string): Promise<VersionMeta[]> {
    return this.options.storage.listVersions(docId)
  }

  async get(docId: string, versionId: string): Promise<StoredVersion | null> {
    return await unpacked(await this.options.storage.getVersion(docId, versionId))
  }

  rename(docId: string, versionId: string, name: string): Promise<VersionMeta | null> {
    return this.options.storage.renameVersion(docId, versionId, name)
  }

  /** Saves the stored state as a version someone asked for (named or not). */
  async save(docId: string, name: string | null, author: VersionAuthor | null): Promise<VersionMeta> {
    const { state, createdAt } = await this.options.rooms.withRoom(docId, (room) => room.readStored((doc) => this.read(doc)))
    return this.store(docId, { name, author, automatic: false, state, createdAt })
  }

  /**
   * Restores a version as a forward change: saves the current state as a backup version, then
   * commits the change that makes the document read as the version, together with the
   * `lastRestore` record every client shows. Null when the version does not exist.
   */
  restore(docId: string, versionId: string, by: Restorer, author: VersionAuthor | null): Promise<RestoreResult | null> {
    const previous = this.restoring.get(docId) ?? Promise.resolve()
    const run = previous.then(
      () => this.restoreNow(docId, versionId, by, author),
      () => this.restoreNow(docId, versionId, by, author),
    )
    this.restoring.set(docId, run)
    const forget = () => {
      if (this.restoring.get(docId) === run) this.restoring.delete(docId)
    }
    run.then(forget, forget)
    return run
  }

  private async restoreNow(docId: string, versionId: string, by: Restorer, author: VersionAuthor | null): Promise<RestoreResult | null> {
    const target = await this.get(docId, versionId)
    if (!target) return null
    const result = await this.options.rooms.withRoom(docId, async (room) => {
      const { state: current, createdAt } = await room.readStored((doc) => this.read(doc))
      if (!includesVersion(current, target.state)) throw new DocumentCatchingUpError(docId)
      const name = `Before restoring ${describe(target)}`
      const backup = await this.store(docId, { name, author, automatic: false, state: current, createdAt })
      const record: LastRestore = {
        versionId: target.id,
        versionName: target.name,
        versionCreatedAt: target.createdAt,
        by,
        at: this.options.now(),
      }
      const update = restoreUpdate(current, target.state, (doc) => doc.getMap(HISTORY_FIELD).set('lastRestore', record))
      // Edits that arrived since `current` was read are not in it and are left alone: the
      // update only touches what `current` holds.
      if (update) await room.change((doc) => Y.applyUpdate(doc, update))
      return { restored: withoutState(target), backup }
    })
    this.options.events?.documentRestored?.(docId, { version: result.restored, backup: result.backup, by })
    return result
  }

  /**
   * The automatic version of a document, if it changed since its newest version and no server
   * (of several sharing the database) saved an automatic one within the interval.
   */
  private async saveAutomatic(docId: string): Promise<void> {
    try {
      await this.saveAutomaticOf(docId)
    } catch (err) {
      // Deleted since it changed: nothing to keep a history of.
      if (!(err instanceof DocumentDeletedError)) throw err
    }
  }

  private async saveAutomaticOf(docId: string): Promise<void> {
    const { storage, rooms, intervalMs } = this.options
    const read = await rooms.withRoom(docId, (room) => room.readStored((doc) => ({ ...this.read(doc), snapshot: Y.snapshot(doc) })))
    const latest = await unpacked(await storage.latestVersion(docId))
    if (latest && sameState(read.snapshot, latest.state)) return
    const { state, createdAt } = read
    const saved = await this.store(docId, { name: null, author: null, automatic: true, state, createdAt }, createdAt - intervalMs + 1)
    if (!saved) {
      // Another server saved one within the interval; what changed here since is checked then.
      this.automatic.changed(docId)
      return
    }
    const doomed = versionsToThin(await storage.listVersions(docId), createdAt)
    if (doomed.length > 0) await storage.deleteVersions(docId, doomed)
  }

  /** The stored state and the time it is of (a version is dated when its state was read). */
  private read(doc: Y.Doc): { state: Uint8Array; createdAt: number } {
    return { state: Y.encodeStateAsUpdate(doc), createdAt: this.options.now() }
  }

  private async store(docId: string, version: Omit<NewVersion, 'id'>): Promise<VersionMeta>
  private async store(docId: string, version: Omit<NewVersion, 'id'>, skipIfAutomaticSince: number): Promise<VersionMeta | null>
  private async store(docId: string, version: Omit<NewVersion, 'id'>, skipIfAutomaticSince?: number): Promise<VersionMeta | null> {
    const full: NewVersion = { id: newVersionId(), ...version, state: await packState(version.state) }
    const options = skipIfAutomaticSince === undefined ? {} : { skipIfAutomaticSince }
    if (!(await this.options.storage.saveVersion(docId, full, options))) return null
    const { state, ...rest } = full
    const meta: VersionMeta = { ...rest, size: state.length }
    this.options.events?.versionCreated?.(docId, meta)
    return meta
  }

  /** Stops taking automatic versions and waits for those being saved (before storage closes). */
  stop(): Promise<void> {
    return this.automatic.stop()
  }
}
