import pg from 'pg'
import { clearDirty, writeEvent } from '../webhooks/postgres-outbox'
import { DatabaseUnavailableError, redactUrl } from './connection-url'
import { DOC_LOCK, migrate, VERSION_LOCK } from './postgres-migrations'
import {
  type CompactionResult,
  DocumentDeletedError,
  type DocumentDigest,
  type DocumentMeta,
  type EnsureOptions,
  type FileMeta,
  type ListedDocument,
  type MergeUpdates,
  type NewFile,
  type NewVersion,
  type PendingUpdate,
  type SaveVersionOptions,
  type SequencedDocument,
  type SequencedStorage,
  type StoredDocument,
  type StoredFile,
  type StoredVersion,
  type UpdatesSince,
  type VersionMeta,
} from './storage'

export { DatabaseUnavailableError, redactUrl } from './connection-url'

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  readonly connectionString: string
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
  /** Errors of idle pooled connections (the server restarted, the network dropped). */
  readonly onIdleError?: (err: Error) => void
}

/**
 * Advisory lock classes (the two-int key space: class, hashtext(doc id)); DOC_LOCK is described
 * in postgres-migrations.ts. COMPACT_LOCK is taken with try, so one compactor per document at a
 * time (the others skip).
 */
export const COMPACT_LOCK = 0x746e02
/**
 * SEED_LOCK serialises seeds of one document (`?ifEmpty=true`) across servers. A session lock,
 * held while the seed's own commit runs on other connections, so it must not be DOC_LOCK: the
 * commit takes DOC_LOCK shared and would wait forever behind a holder waiting for it.
 */
export const SEED_LOCK = 0x746e04
/** Seed locks held (or waited for) at once by this server: each ties up a pooled connection. */
const MAX_SEED_LOCK_CONNECTIONS = 2

interface MetaRow {
  id: string
  title: string
  created_at: string
  updated_at: string
}

function toMeta(row: MetaRow): DocumentMeta {
  return { id: row.id, title: row.title, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }
}

interface ListedRow extends MetaRow {
  preview: string | null
  last_editor: string | null
  has_content: boolean | null
}

const LISTED_COLUMNS = 'd.id, d.title, d.created_at, d.updated_at, g.preview, g.last_editor, g.has_content'

function toListed(row: ListedRow): ListedDocument {
  return { ...toMeta(row), preview: row.preview, lastEditor: row.last_editor, hasContent: row.has_content }
}

interface VersionRow {
  id: string
  name: string | null
  author_name: string | null
  author_id: string | null
  created_at: string
  automatic: boolean
  size: number
}

const VERSION_COLUMNS = 'id, name, author_name, author_id, created_at, automatic, size'

function toVersionMeta(row: VersionRow): VersionMeta {
  const author =
    row.author_name === null ? null : row.author_id === null ? { name: row.author_name } : { name: row.author_name, id: row.author_id }
  return { id: row.id, name: row.name, author, createdAt: Number(row.created_at), automatic: row.automatic, size: row.size }
}

interface FileRow {
  id: string
  type: string
  declared_type: string | null
  name: string | null
  created_at: string
  size: number
}

const FILE_COLUMNS = 'id, type, declared_type, name, created_at, size'

function toFileMeta(row: FileRow): FileMeta {
  return { id: row.id, type: row.type, declaredType: row.declared_type, name: row.name, createdAt: Number(row.created_at), size: row.size }
}

/** pg returns Buffers; the contract promises plain Uint8Arrays (same memory). */
function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

function buffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/**
 * Documents in PostgreSQL, for several servers sharing one database. Every appended update gets
 * a gap-free per-document sequence number in its commit transaction (`documents.last_seq`,
 * bumped by the append's upsert, which also serialises appends to one document). A snapshot
 * covers the updates up to its seq and compaction deletes only those, so an update appended
 * by another server while a merge runs is kept. One transaction per `append` batch.
 */
export class PostgresStorage implements SequencedStorage {
  readonly pool: pg.Pool

  private constructor(pool: pg.Pool) {
    this.pool = pool
  }

  /** Connects and applies the missing migrations (server/storage/postgres-migrations.ts). */
  static async open(options: PostgresOptions): Promise<PostgresStorage> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    })
    pool.on('error', (err) => options.onIdleError?.(err))
    try {
      await migrate(pool)
    } catch (err) {
      await pool.end()
      const reason = err instanceof Error ? err.message : String(err)
      throw new DatabaseUnavailableError(
        `PostgreSQL at ${redactUrl(options.connectionString)} could not be opened: ${reason} (check --database-url / TANDEM_DATABASE_URL)`,
        { cause: err },
      )
    }
    return new PostgresStorage(pool)
  }

  /** Runs `fn` in a transaction on one pooled connection; rolls back if it throws. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query(begin)
      try {
        const result = await fn(client)
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      }
    } finally {
      client.release()
    }
  }

  async append(batch: readonly PendingUpdate[], now: number): Promise<void> {
    await this.appendSequenced(batch, now)
  }

  async appendSequenced(batch: readonly PendingUpdate[], now: number): Promise<Array<number | null>> {
    if (batch.length === 0) return []
    // Check the whole batch first so a bad entry stores nothing (append is atomic).
    const byDoc = new Map<string, { updates: Buffer[]; title: string | null; authors: Set<string> }>()
    for (const entry of batch) {
      if (typeof entry.docId !== 'string' || !(entry.update instanceof Uint8Array)) {
        throw new TypeError('append: every entry needs a string docId and Uint8Array update')
      }
      let doc = byDoc.get(entry.docId)
      if (!doc) {
        doc = { updates: [], title: null, authors: new Set() }
        byDoc.set(entry.docId, doc)
      }
      // A view; Buffer.concat below copies (the caller may reuse its bytes once this resolves).
      doc.updates.push(Buffer.from(entry.update.buffer, entry.update.byteOffset, entry.update.byteLength))
      if (entry.title !== undefined) doc.title = entry.title
      if (entry.author !== undefined) doc.authors.add(entry.author)
    }
    // Documents in one order for every server, so two batches never wait for each other's rows.
    const ids = [...byDoc.keys()].sort()
    const docs = ids.map((id) => byDoc.get(id) as { updates: Buffer[]; title: string | null; authors: Set<string> })
    const updateIds: string[] = []
    const updateOrds: number[] = []
    const updateLengths: number[] = []
    const parts: Buffer[] = []
    for (const [index, id] of ids.entries()) {
      docs[index]?.updates.forEach((data, i) => {
        updateIds.push(id)
        updateOrds.push(i + 1)
        updateLengths.push(data.byteLength)
        parts.push(data)
      })
    }
    // One statement, one round trip (tandem_append, migration 3): locks, tombstone check, seq
    // bump and insert of the whole batch, committed by PostgreSQL alone. The updates go as one
    // binary parameter (pg sends a Buffer as bytes; an array of them would go as hex text).
    const { rows } = await this.pool.query<{ appended_id: string; appended_last_seq: string }>(
      'SELECT appended_id, appended_last_seq FROM tandem_append($1::text[], $2::text[], $3::bigint[], $4::bigint, $5::text[], $6::bigint[], $7::integer[], $8::bytea, $9::text[])',
      [
        ids,
        docs.map((doc) => doc.title),
        docs.map((doc) => doc.updates.length),
        now,
        updateIds,
        updateOrds,
        updateLengths,
        Buffer.concat(parts),
        // Who edited each document, for its webhook dirty mark (migration 5).
        docs.map((doc) => (doc.authors.size > 0 ? JSON.stringify([...doc.authors]) : null)),
      ],
    )
    const firstSeq = new Map<string, number>()
    for (const row of rows) {
      const count = byDoc.get(row.appended_id)?.updates.length ?? 0
      firstSeq.set(row.appended_id, Number(row.appended_last_seq) - count + 1)
    }
    // Entries of one document got consecutive seqs in batch order.
    const next = new Map(firstSeq)
    return batch.map((entry) => {
      const seq = next.get(entry.docId)
      if (seq === undefined) return null
      next.set(entry.docId, seq + 1)
      return seq
    })
  }

  async load(docId: string): Promise<StoredDocument> {
    const { snapshot, updates } = await this.loadWithSeq(docId)
    return { snapshot, updates }
  }

  async loadWithSeq(docId: string): Promise<SequencedDocument> {
    // One snapshot of the database: a compaction committing between the reads cannot hide updates.
    return this.transaction(async (client) => {
      const head = await client.query<{ last_seq: string }>('SELECT last_seq FROM documents WHERE id = $1', [docId])
      const lastSeq = Number(head.rows[0]?.last_seq ?? 0)
      const stored = await client.query<{ seq: string; data: Buffer }>('SELECT seq, data FROM snapshots WHERE doc_id = $1', [docId])
      const snapshotRow = stored.rows[0]
      const snapshotSeq = Number(snapshotRow?.seq ?? 0)
      const log = await client.query<{ data: Buffer }>('SELECT data FROM updates WHERE doc_id = $1 AND seq > $2 ORDER BY seq', [
        docId,
        snapshotSeq,
      ])
      return {
        snapshot: snapshotRow ? bytes(snapshotRow.data) : null,
        updates: log.rows.map((row) => bytes(row.data)),
        lastSeq,
        snapshotSeq,
      }
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
  }

  async loadSince(docId: string, seq: number): Promise<UpdatesSince | null> {
    // One statement, so one snapshot: the head and the log agree (a server catching up runs
    // this often; it must be one round trip).
    const { rows } = await this.pool.query<{ last_seq: string; base_seq: string; data: Buffer | null }>(
      `SELECT d.last_seq, d.base_seq, u.data
       FROM documents AS d LEFT JOIN updates AS u ON u.doc_id = d.id AND u.seq > $2
       WHERE d.id = $1 ORDER BY u.seq`,
      [docId, seq],
    )
    const head = rows[0]
    if (!head) return seq === 0 ? { updates: [], lastSeq: 0 } : null
    if (seq < Number(head.base_seq)) return null
    const updates: Uint8Array[] = []
    for (const row of rows) if (row.data) updates.push(bytes(row.data))
    return { updates, lastSeq: Number(head.last_seq) }
  }

  async heads(docIds: readonly string[]): Promise<Map<string, number>> {
    if (docIds.length === 0) return new Map()
    const { rows } = await this.pool.query<{ id: string; last_seq: string }>('SELECT id, last_seq FROM documents WHERE id = ANY($1)', [
      docIds,
    ])
    return new Map(rows.map((row) => [row.id, Number(row.last_seq)]))
  }

  async compact(docId: string, merge: MergeUpdates): Promise<CompactionResult> {
    return this.transaction(async (client): Promise<CompactionResult> => {
      const lock = await client.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS got', [COMPACT_LOCK, docId])
      await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [DOC_LOCK, docId])
      const stored = await client.query<{ seq: string; data: Buffer }>('SELECT seq, data FROM snapshots WHERE doc_id = $1', [docId])
      const snapshotRow = stored.rows[0]
      const snapshot = snapshotRow ? bytes(snapshotRow.data) : null
      // Another server is compacting this document: it will merge these updates.
      if (!lock.rows[0]?.got) return { mergedUpdates: 0, snapshotBytes: snapshot?.length ?? 0 }
      const snapshotSeq = Number(snapshotRow?.seq ?? 0)
      const log = await client.query<{ seq: string; data: Buffer }>(
        'SELECT seq, data FROM updates WHERE doc_id = $1 AND seq > $2 ORDER BY seq',
        [docId, snapshotSeq],
      )
      const last = log.rows.at(-1)
      if (!last) return { mergedUpdates: 0, snapshotBytes: snapshot?.length ?? 0 }
      const merged = merge(
        snapshot,
        log.rows.map((row) => bytes(row.data)),
      )
      const upTo = Number(last.seq)
      // Never an older snapshot over a newer one (the lock makes it impossible; this makes it certain).
      const written = await client.query(
        `INSERT INTO snapshots (doc_id, seq, data) VALUES ($1, $2, $3)
         ON CONFLICT (doc_id) DO UPDATE SET seq = excluded.seq, data = excluded.data WHERE snapshots.seq < excluded.seq`,
        [docId, upTo, buffer(merged)],
      )
      if (written.rowCount !== 1) throw new Error(`compaction of ${docId}: a newer snapshot is stored`)
      // Only the covered entries: whatever was appended meanwhile (seq > upTo) stays.
      await client.query('DELETE FROM updates WHERE doc_id = $1 AND seq <= $2', [docId, upTo])
      await client.query('UPDATE documents SET base_seq = greatest(base_seq, $2) WHERE id = $1', [docId, upTo])
      return { mergedUpdates: log.rows.length, snapshotBytes: merged.length }
    })
  }

  async ensureDocument(docId: string, now: number, options: EnsureOptions = {}): Promise<{ meta: DocumentMeta; created: boolean }> {
    return this.transaction(async (client) => {
      const lock = options.recreate ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared'
      await client.query(`SELECT ${lock}($1, hashtext($2))`, [DOC_LOCK, docId])
      const tomb = await client.query<{ last_seq: string }>('DELETE FROM tombstones WHERE doc_id = $1 RETURNING last_seq', [docId])
      const tombstone = tomb.rows[0]
      if (tombstone && !options.recreate) throw new DocumentDeletedError(docId)
      // A re-created document continues the numbering of its earlier life.
      const startSeq = Number(tombstone?.last_seq ?? 0)
      const inserted = await client.query(
        `INSERT INTO documents (id, title, created_at, updated_at, last_seq, base_seq) VALUES ($1, '', $2, $2, $3, $3)
         ON CONFLICT (id) DO NOTHING`,
        [docId, now, startSeq],
      )
      if (inserted.rowCount === 1) {
        await writeEvent(client, docId, 'document.created', now)
        // Created empty: the list knows there is nothing in it without computing a digest.
        await client.query(
          `INSERT INTO digests (doc_id, preview, body, search, has_content, last_editor, digested_at) VALUES ($1, '', '', '', false, NULL, $2)
           ON CONFLICT (doc_id) DO UPDATE SET preview = '', body = '', search = '', has_content = false, last_editor = NULL, digested_at = $2`,
          [docId, now],
        )
      }
      const row = await client.query<MetaRow>('SELECT id, title, created_at, updated_at FROM documents WHERE id = $1', [docId])
      const meta = row.rows[0]
      if (!meta) throw new Error(`document ${docId} vanished while being created`)
      return { meta: toMeta(meta), created: inserted.rowCount === 1 }
    })
  }

  async getDocument(docId: string): Promise<DocumentMeta | null> {
    const { rows } = await this.pool.query<MetaRow>('SELECT id, title, created_at, updated_at FROM documents WHERE id = $1', [docId])
    return rows[0] ? toMeta(rows[0]) : null
  }

  async listDocuments(): Promise<ListedDocument[]> {
    const { rows } = await this.pool.query<ListedRow>(
      `SELECT ${LISTED_COLUMNS} FROM documents AS d LEFT JOIN digests AS g ON g.doc_id = d.id ORDER BY d.updated_at DESC, d.id`,
    )
    return rows.map(toListed)
  }

  async searchDocuments(terms: readonly string[]): Promise<ListedDocument[]> {
    if (terms.length === 0) return []
    // strpos on the JavaScript-lowercased text: a plain substring test (see migration 7).
    const { rows } = await this.pool.query<ListedRow>(
      `SELECT ${LISTED_COLUMNS} FROM documents AS d JOIN digests AS g ON g.doc_id = d.id
       WHERE (SELECT bool_and(strpos(g.search, term) > 0) FROM unnest($1::text[]) AS term)
       ORDER BY d.updated_at DESC, d.id`,
      [terms],
    )
    return rows.map(toListed)
  }

  async documentTexts(docIds: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ doc_id: string; body: string }>('SELECT doc_id, body FROM digests WHERE doc_id = ANY($1)', [
      docIds,
    ])
    return new Map(rows.map((row) => [row.doc_id, row.body]))
  }

  async saveDigest(docId: string, digest: DocumentDigest, now: number): Promise<boolean> {
    return this.transaction(async (client) => {
      // Ordered with a deletion (which holds the lock exclusively), so no digest outlives its document.
      await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [DOC_LOCK, docId])
      const { rowCount } = await client.query(
        `INSERT INTO digests (doc_id, preview, body, search, has_content, last_editor, digested_at)
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM documents WHERE id = $1)
         ON CONFLICT (doc_id) DO UPDATE SET preview = excluded.preview, body = excluded.body, search = excluded.search,
           has_content = excluded.has_content, last_editor = coalesce(excluded.last_editor, digests.last_editor),
           digested_at = excluded.digested_at`,
        [docId, digest.preview, digest.text, digest.searchText, digest.hasContent, digest.lastEditor ?? null, now],
      )
      return rowCount === 1
    })
  }

  async staleDigests(limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT d.id FROM documents AS d LEFT JOIN digests AS g ON g.doc_id = d.id
       WHERE g.doc_id IS NULL OR g.digested_at < d.updated_at ORDER BY d.updated_at DESC LIMIT $1`,
      [limit],
    )
    return rows.map((row) => row.id)
  }

  async deleteDocument(docId: string, now: number): Promise<boolean> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DOC_LOCK, docId])
      const gone = await client.query<{ last_seq: string }>('DELETE FROM documents WHERE id = $1 RETURNING last_seq', [docId])
      const row = gone.rows[0]
      if (!row) return false
      await client.query('DELETE FROM updates WHERE doc_id = $1', [docId])
      await client.query('DELETE FROM snapshots WHERE doc_id = $1', [docId])
      await client.query('DELETE FROM versions WHERE doc_id = $1', [docId])
      await client.query('DELETE FROM files WHERE doc_id = $1', [docId])
      await client.query('DELETE FROM digests WHERE doc_id = $1', [docId])
      await client.query(
        `INSERT INTO tombstones (doc_id, deleted_at, last_seq) VALUES ($1, $2, $3)
         ON CONFLICT (doc_id) DO UPDATE SET deleted_at = excluded.deleted_at, last_seq = excluded.last_seq`,
        [docId, now, row.last_seq],
      )
      await clearDirty(client, docId)
      await writeEvent(client, docId, 'document.deleted', now, { seq: Number(row.last_seq) })
      return true
    })
  }

  async saveVersion(docId: string, version: NewVersion, options: SaveVersionOptions = {}): Promise<boolean> {
    return this.transaction(async (client) => {
      // Version saves of one document queue here (so two servers cannot both pass the check
      // below); the shared document lock orders the save with a deletion.
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [VERSION_LOCK, docId])
      await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [DOC_LOCK, docId])
      const exists = await client.query('SELECT 1 FROM documents WHERE id = $1', [docId])
      if (exists.rowCount !== 1) throw new DocumentDeletedError(docId)
      const since = options.skipIfAutomaticSince
      if (since !== undefined) {
        const recent = await client.query('SELECT 1 FROM versions WHERE doc_id = $1 AND automatic AND created_at >= $2 LIMIT 1', [
          docId,
          since,
        ])
        if (recent.rowCount === 1) return false
      }
      await client.query(
        `INSERT INTO versions (doc_id, id, name, author_name, author_id, created_at, automatic, size, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          docId,
          version.id,
          version.name,
          version.author?.name ?? null,
          version.author?.id ?? null,
          version.createdAt,
          version.automatic,
          version.state.length,
          buffer(version.state),
        ],
      )
      return true
    })
  }

  async listVersions(docId: string): Promise<VersionMeta[]> {
    const { rows } = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM versions WHERE doc_id = $1 ORDER BY created_at DESC, seq DESC`,
      [docId],
    )
    return rows.map(toVersionMeta)
  }

  async getVersion(docId: string, versionId: string): Promise<StoredVersion | null> {
    const { rows } = await this.pool.query<VersionRow & { data: Buffer }>(
      `SELECT ${VERSION_COLUMNS}, data FROM versions WHERE doc_id = $1 AND id = $2`,
      [docId, versionId],
    )
    const row = rows[0]
    return row ? { ...toVersionMeta(row), state: bytes(row.data) } : null
  }

  async latestVersion(docId: string): Promise<StoredVersion | null> {
    const { rows } = await this.pool.query<VersionRow & { data: Buffer }>(
      `SELECT ${VERSION_COLUMNS}, data FROM versions WHERE doc_id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1`,
      [docId],
    )
    const row = rows[0]
    return row ? { ...toVersionMeta(row), state: bytes(row.data) } : null
  }

  async renameVersion(docId: string, versionId: string, name: string): Promise<VersionMeta | null> {
    const { rows } = await this.pool.query<VersionRow>(
      `UPDATE versions SET name = $3 WHERE doc_id = $1 AND id = $2 RETURNING ${VERSION_COLUMNS}`,
      [docId, versionId, name],
    )
    return rows[0] ? toVersionMeta(rows[0]) : null
  }

  async deleteVersions(docId: string, versionIds: readonly string[]): Promise<number> {
    if (versionIds.length === 0) return 0
    const { rowCount } = await this.pool.query('DELETE FROM versions WHERE doc_id = $1 AND id = ANY($2)', [docId, [...versionIds]])
    return rowCount ?? 0
  }

  async saveFile(docId: string, file: NewFile): Promise<{ meta: FileMeta; created: boolean }> {
    return this.transaction(async (client) => {
      // Shared: saves of one document run side by side, but never across its deletion.
      await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [DOC_LOCK, docId])
      const exists = await client.query('SELECT 1 FROM documents WHERE id = $1', [docId])
      if (exists.rowCount !== 1) throw new DocumentDeletedError(docId)
      const inserted = await client.query(
        `INSERT INTO files (doc_id, id, type, declared_type, name, created_at, size, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (doc_id, id) DO NOTHING`,
        [docId, file.id, file.type, file.declaredType, file.name, file.createdAt, file.data.length, buffer(file.data)],
      )
      const { rows } = await client.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE doc_id = $1 AND id = $2`, [docId, file.id])
      const row = rows[0]
      if (!row) throw new Error(`file ${file.id} of ${docId} vanished while being saved`)
      return { meta: toFileMeta(row), created: inserted.rowCount === 1 }
    })
  }

  async getFile(docId: string, fileId: string): Promise<StoredFile | null> {
    const { rows } = await this.pool.query<FileRow & { data: Buffer }>(
      `SELECT ${FILE_COLUMNS}, data FROM files WHERE doc_id = $1 AND id = $2`,
      [docId, fileId],
    )
    const row = rows[0]
    return row ? { ...toFileMeta(row), data: bytes(row.data) } : null
  }

  async listFiles(docId: string): Promise<FileMeta[]> {
    const { rows } = await this.pool.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE doc_id = $1 ORDER BY seq`, [docId])
    return rows.map(toFileMeta)
  }

  async isDeleted(docId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM tombstones WHERE doc_id = $1', [docId])
    return rowCount === 1
  }

  /**
   * Runs `fn` holding the document's SEED_LOCK on a connection of its own, released (and the
   * lock with it, also if the connection dies) when `fn` settles. At most
   * MAX_SEED_LOCK_CONNECTIONS at once, so commits and reads always find a free connection,
   * including the commit the holder's `fn` waits for.
   */
  async withSeedLock<T>(docId: string, fn: () => Promise<T>): Promise<T> {
    await this.seedSlots.acquire()
    try {
      const client = await this.pool.connect()
      let locked = false
      try {
        await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [SEED_LOCK, docId])
        locked = true
        return await fn()
      } finally {
        const unlocked =
          locked &&
          (await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SEED_LOCK, docId]).then(
            () => true,
            () => false,
          ))
        // A connection that may still hold the lock (or broke taking it) is ended, not pooled.
        client.release(!unlocked)
      }
    } finally {
      this.seedSlots.release()
    }
  }

  private readonly seedSlots = new Slots(MAX_SEED_LOCK_CONNECTIONS)

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1')
  }

  private closing: Promise<void> | null = null

  async close(): Promise<void> {
    this.closing ??= this.pool.end()
    await this.closing
  }
}

/** A counting semaphore: at most `size` holders, the rest wait in order. */
class Slots {
  private held = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.held < this.size) {
      this.held++
      return
    }
    // A released slot passes straight to the next waiter, so `held` never overshoots.
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.held--
  }
}
