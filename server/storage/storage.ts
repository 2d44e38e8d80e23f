/**
 * The storage seam. Rooms, the commit queue and the REST API see only this interface; each
 * backend is one file (memory.ts, sqlite.ts, postgres.ts). Storage knows nothing of Yjs: it
 * keeps opaque update bytes in order, a snapshot, and document metadata.
 *
 * Contract (tests/unit/storage-contract.test.ts runs it against every backend):
 * - `append` is atomic: all entries of the batch are stored, or none and it rejects.
 * - `load` returns the snapshot and then every update appended after it, in append order.
 * - `compact` replaces the snapshot and every update it covers in one atomic step; updates
 *   appended while the merge runs are kept.
 * - `delete` removes the metadata, the snapshot and every update, and in the same transaction
 *   leaves a tombstone (the id and the deletion time) that nothing but an explicit re-creation
 *   clears: a deleted document stays deleted, across restarts.
 * - A tombstoned id holds nothing and gains nothing implicitly: `append` drops its entries
 *   (storing the batch's other entries, atomically as above; it is not an error, because a
 *   group commit of many documents must not fail for one deleted document), `ensureDocument`
 *   rejects with DocumentDeletedError unless asked to `recreate`, and `load`, `getDocument`,
 *   `listDocuments` and `compact` see no document.
 * - Versions (saved full states of a document, for its history) belong to their document:
 *   `deleteDocument` removes them in the same transaction, compaction never touches them, and
 *   a deleted document gains none (`saveVersion` rejects with DocumentDeletedError).
 *   `saveVersion` with `skipIfAutomaticSince` stores nothing (and resolves false) when the
 *   document already has an automatic version created at or after that time — checked and
 *   inserted atomically, so servers sharing a database never both save the same automatic
 *   version. `listVersions` is newest first (creation time, then save order).
 * - Files (images uploaded into a document, server rules F1–F8) belong to their document too:
 *   `saveFile` stores one for an existing document (DocumentDeletedError when it is deleted or
 *   was never stored), keyed by its id; saving an id the document already has stores nothing
 *   and answers the stored one (`created` false), so a content-derived id deduplicates.
 *   `deleteDocument` removes the document's files in the same transaction; nothing else does
 *   (compaction, versions and restores never touch them: a restored version's images still
 *   load). `getFile` answers null for an unknown id or another document's file.
 * - A digest (what the documents list shows and searches: preview, plain text, last editor,
 *   whether there is content) belongs to its document: `saveDigest` writes it only for an
 *   existing document, `deleteDocument` removes it in the same transaction, and a document
 *   `ensureDocument` creates starts with an empty one (no content). It lives apart from the
 *   documents row, so the commit path never rewrites the text (see DocumentDigest).
 * Revocations are not documents: they have a store of their own (revocation-store.ts).
 */
/** `ensureDocument` on a deleted (tombstoned) document without `recreate`. */
export class DocumentDeletedError extends Error {
  constructor(readonly docId: string) {
    super(`document ${docId} was deleted`)
    this.name = 'DocumentDeletedError'
  }
}

export interface EnsureOptions {
  /**
   * Clear the document's tombstone, if it has one, and create it empty (`created` is then
   * true). Without it a deleted document is never re-created.
   */
  readonly recreate?: boolean
}

export interface DocumentMeta {
  readonly id: string
  readonly title: string
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * What the documents list knows of a document's content, computed off the commit path (after
 * edits settle, server/documents/digests.ts) and stored beside the document.
 */
export interface DocumentDigest {
  /** The start of the plain text, whitespace collapsed (at most PREVIEW_LENGTH characters). */
  readonly preview: string
  /** The whole plain text (for search snippets). */
  readonly text: string
  /** The title and text lowercased, what search matches against. */
  readonly searchText: string
  /** Whether the content is more than empty paragraphs. */
  readonly hasContent: boolean
  /** Who made the last change the digest covers; undefined keeps the stored name. */
  readonly lastEditor?: string | undefined
}

/** A document as the list shows it: metadata and its digest (null: none computed yet). */
export interface ListedDocument extends DocumentMeta {
  readonly preview: string | null
  readonly lastEditor: string | null
  readonly hasContent: boolean | null
}

export interface PendingUpdate {
  readonly docId: string
  readonly update: Uint8Array
  /** The document title after this update, when the update changed it. */
  readonly title?: string | undefined
  /** Name of the user whose edit this is, when known (announced by webhooks). */
  readonly author?: string | undefined
}

export interface StoredDocument {
  readonly snapshot: Uint8Array | null
  /** Updates appended after the snapshot, oldest first. */
  readonly updates: readonly Uint8Array[]
}

/** Merges a snapshot and the updates after it into one new snapshot. */
export type MergeUpdates = (snapshot: Uint8Array | null, updates: readonly Uint8Array[]) => Uint8Array

export interface CompactionResult {
  /** How many log entries the new snapshot replaced. */
  readonly mergedUpdates: number
  readonly snapshotBytes: number
}

/** Who saved a version: the token's user with auth on, the name a client gave in open mode. */
export interface VersionAuthor {
  readonly name: string
  readonly id?: string
}

/** A saved version without its state (what a history list shows). */
export interface VersionMeta {
  readonly id: string
  readonly name: string | null
  readonly author: VersionAuthor | null
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  /** Saved by the server while the document was edited (thinned with age unless named). */
  readonly automatic: boolean
  /** Bytes of the state. */
  readonly size: number
}

/** A version with its state: `Y.encodeStateAsUpdate` of the document when it was saved. */
export interface StoredVersion extends VersionMeta {
  readonly state: Uint8Array
}

export interface NewVersion {
  readonly id: string
  readonly name: string | null
  readonly author: VersionAuthor | null
  readonly createdAt: number
  readonly automatic: boolean
  readonly state: Uint8Array
}

export interface SaveVersionOptions {
  /** Store nothing if an automatic version of the document was created at or after this time. */
  readonly skipIfAutomaticSince?: number
}

/** A file to store: `type` is what the server sniffed from the bytes, `declaredType` what the uploader said. */
export interface NewFile {
  readonly id: string
  readonly type: string
  readonly declaredType: string | null
  readonly name: string | null
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  readonly data: Uint8Array
}

/** A stored file without its bytes. */
export interface FileMeta {
  readonly id: string
  readonly type: string
  readonly declaredType: string | null
  readonly name: string | null
  readonly createdAt: number
  /** Bytes of the data. */
  readonly size: number
}

export interface StoredFile extends FileMeta {
  readonly data: Uint8Array
}

export interface Storage {
  /** Stores a batch of updates (possibly for many documents) in one transaction. */
  append(batch: readonly PendingUpdate[], now: number): Promise<void>
  load(docId: string): Promise<StoredDocument>
  compact(docId: string, merge: MergeUpdates): Promise<CompactionResult>
  /**
   * Creates the metadata row if missing; `created` tells whether it did. A deleted document
   * is left deleted (rejects with DocumentDeletedError) unless `options.recreate` is set.
   */
  ensureDocument(docId: string, now: number, options?: EnsureOptions): Promise<{ meta: DocumentMeta; created: boolean }>
  getDocument(docId: string): Promise<DocumentMeta | null>
  /** Every document with its digest, most recently updated first. */
  listDocuments(): Promise<ListedDocument[]>
  /**
   * The documents whose stored search text (lowercased title and text) contains every one of
   * `terms` (lowercase, non-empty), most recently updated first.
   */
  searchDocuments(terms: readonly string[]): Promise<ListedDocument[]>
  /** The stored plain text of each of these documents that has a digest. */
  documentTexts(docIds: readonly string[]): Promise<Map<string, string>>
  /** Stores the digest of an existing document (false, nothing stored, when there is none). */
  saveDigest(docId: string, digest: DocumentDigest, now: number): Promise<boolean>
  /**
   * Up to `limit` documents with no digest, or one older than their last update (a digest lost
   * to a crash, a database from before digests existed): the server computes them at start.
   */
  staleDigests(limit: number): Promise<string[]>
  /**
   * Removes a document and all its data and leaves a tombstone stamped `now`; false (and no
   * tombstone, an existing one unchanged) when the document did not exist.
   */
  deleteDocument(docId: string, now: number): Promise<boolean>
  /** Whether the document has a tombstone: it was deleted and not re-created since. */
  isDeleted(docId: string): Promise<boolean>
  /**
   * Stores a version of an existing document; false when `skipIfAutomaticSince` found a
   * recent automatic version (nothing stored). Rejects with DocumentDeletedError when the
   * document is deleted or was never stored.
   */
  saveVersion(docId: string, version: NewVersion, options?: SaveVersionOptions): Promise<boolean>
  /** The document's versions, newest first, without their states. */
  listVersions(docId: string): Promise<VersionMeta[]>
  getVersion(docId: string, versionId: string): Promise<StoredVersion | null>
  /** The newest version (by creation time), with its state; null when there is none. */
  latestVersion(docId: string): Promise<StoredVersion | null>
  /** Sets a version's name; the updated version, or null when there is no such version. */
  renameVersion(docId: string, versionId: string, name: string): Promise<VersionMeta | null>
  /** Removes these versions of the document (thinning); resolves with how many were removed. */
  deleteVersions(docId: string, versionIds: readonly string[]): Promise<number>
  /**
   * Stores a file of an existing document; when the document already has a file with this id,
   * stores nothing and answers that one with `created` false. Rejects with DocumentDeletedError
   * when the document is deleted or was never stored.
   */
  saveFile(docId: string, file: NewFile): Promise<{ meta: FileMeta; created: boolean }>
  /** The file with its bytes; null when the document has no file with this id. */
  getFile(docId: string, fileId: string): Promise<StoredFile | null>
  /** The document's files without their bytes, oldest first. */
  listFiles(docId: string): Promise<FileMeta[]>
  /**
   * Runs `fn` holding the document's seed lock across every process sharing this storage
   * (server/documents/seed-lock.ts). Only a backend several servers share has it (PostgreSQL);
   * one process owns the others, and an in-process lock is all they need.
   */
  withSeedLock?<T>(docId: string, fn: () => Promise<T>): Promise<T>
  /** Resolves when the backend answers (readiness). */
  ping(): Promise<void>
  close(): Promise<void>
}

/** A stored document plus the sequence numbers a relay needs to catch up from it. */
export interface SequencedDocument extends StoredDocument {
  /** The seq of the newest update (0 when none was ever stored). */
  readonly lastSeq: number
  /** The snapshot covers every update up to this seq; `updates` are the ones after it. */
  readonly snapshotSeq: number
}

export interface UpdatesSince {
  /** The updates with seq > the asked one, oldest first (seqs asked+1 … lastSeq). */
  readonly updates: readonly Uint8Array[]
  readonly lastSeq: number
}

/**
 * Storage that numbers each document's updates gap-free and never reuses a number (PostgreSQL,
 * D12): what several servers sharing it need to tell what they have missed (C2). Memory and
 * SQLite serve one process and do not implement it.
 */
export interface SequencedStorage extends Storage {
  /** `append`, resolving with each entry's seq in batch order (null: dropped, deleted document). */
  appendSequenced(batch: readonly PendingUpdate[], now: number): Promise<ReadonlyArray<number | null>>
  /** `load`, plus the seq of the newest update and the seq the snapshot covers. */
  loadWithSeq(docId: string): Promise<SequencedDocument>
  /**
   * The updates stored after `seq`; null when some of them are no longer in the log (merged
   * into the snapshot, or from before a deletion): then `loadWithSeq` the whole document.
   */
  loadSince(docId: string, seq: number): Promise<UpdatesSince | null>
  /** The seq of the newest update of each of `docIds` that exists (absent: deleted or never stored). */
  heads(docIds: readonly string[]): Promise<Map<string, number>>
}

export function isSequenced(storage: Storage): storage is SequencedStorage {
  return typeof (storage as Partial<SequencedStorage>).appendSequenced === 'function'
}
