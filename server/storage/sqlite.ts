import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { SQLITE_OUTBOX_SCHEMA, SqliteOutboxWriter } from '../webhooks/sqlite-outbox'
import { DataDirLock } from './data-dir-lock'
import type { SqliteConnection } from './sqlite-revocation-store'
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
  type Storage,
  type StoredDocument,
  type StoredFile,
  type StoredVersion,
  type VersionMeta,
} from './storage'

export interface SqliteOptions {
  /** Directory that holds tandem.db (created if missing). */
  readonly dataDir: string
  /**
   * SQLite's `synchronous` setting. NORMAL (default) in WAL mode loses nothing when the
   * process dies (a SIGKILL included); FULL also survives power loss, at an fsync per commit.
   */
  readonly synchronous?: 'NORMAL' | 'FULL'
  /**
   * Opens an existing database for reading only, without taking the data-directory lock: a
   * reader in WAL mode never disturbs the writer, so tools and tests may look at the file while
   * a server runs. Every write throws.
   */
  readonly readonly?: boolean
  /** Journal rows that trigger a fold into the per-document log (tests make it small). */
  readonly foldAfterRows?: number
}

/** A document's updated_at is rewritten at most this often (see lastTouched). */
const TOUCH_INTERVAL_MS = 1_000

/**
 * The journal is folded into the per-document log once it holds this many rows. Larger means
 * fewer, denser folds (each document's log pages rewritten once for many of its updates) but a
 * longer scan on every load and compaction (the journal has no index by document).
 */
const FOLD_AFTER_ROWS = 4_096

interface MetaRow {
  id: string
  title: string
  created_at: number
  updated_at: number
}

interface ListedRow extends MetaRow {
  preview: string | null
  last_editor: string | null
  has_content: number | null
}

/**
 * The documents list's view of each document (storage.ts DocumentDigest), in a table of its
 * own: the commit path rewrites the documents row, and should not rewrite the text with it.
 * A file from before it gains it on open (CREATE TABLE IF NOT EXISTS); its documents get
 * digests computed at start (staleDigests).
 */
const DIGESTS_TABLE = `CREATE TABLE IF NOT EXISTS digests (
  doc_id TEXT PRIMARY KEY,
  preview TEXT NOT NULL,
  body TEXT NOT NULL,
  search TEXT NOT NULL,
  has_content INTEGER NOT NULL,
  last_editor TEXT,
  digested_at INTEGER NOT NULL
)`

const LISTED_COLUMNS = 'd.id, d.title, d.created_at, d.updated_at, g.preview, g.last_editor, g.has_content'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS updates (
  doc_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;
-- Every append lands here first: keyed by arrival order, so a commit of updates to many documents
-- writes the journal's last page or two instead of one page per document of the updates table.
-- Folded into updates in bulk (see SqliteStorage.fold); load and compaction read both.
CREATE TABLE IF NOT EXISTS journal (
  pos INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
  doc_id TEXT PRIMARY KEY,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tombstones (
  doc_id TEXT PRIMARY KEY,
  deleted_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
  seq INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT,
  author_name TEXT,
  author_id TEXT,
  created_at INTEGER NOT NULL,
  automatic INTEGER NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (doc_id, id)
);
CREATE INDEX IF NOT EXISTS versions_by_time ON versions (doc_id, created_at DESC, seq DESC);
CREATE TABLE IF NOT EXISTS files (
  seq INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  declared_type TEXT,
  name TEXT,
  created_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (doc_id, id)
);
${DIGESTS_TABLE};
`

/**
 * A read-only connection cannot add tables to a file written before tombstones existed; an
 * empty temporary table of the same shape lets the same statements run (nothing is deleted).
 */
const TEMP_TOMBSTONES = `CREATE TEMP TABLE IF NOT EXISTS tombstones (doc_id TEXT PRIMARY KEY, deleted_at INTEGER NOT NULL)`
/** Likewise for a file written before digests existed. */
const TEMP_DIGESTS = DIGESTS_TABLE.replace('CREATE TABLE', 'CREATE TEMP TABLE')
/** Likewise for a file written before the journal existed. */
const TEMP_JOURNAL = `CREATE TEMP TABLE IF NOT EXISTS journal (pos INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, data BLOB NOT NULL)`
/** Likewise for a file written before versions existed. */
const TEMP_VERSIONS = `CREATE TEMP TABLE IF NOT EXISTS versions (seq INTEGER PRIMARY KEY, doc_id TEXT NOT NULL,
  id TEXT NOT NULL, name TEXT, author_name TEXT, author_id TEXT, created_at INTEGER NOT NULL,
  automatic INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (doc_id, id))`

/** Likewise for a file written before files existed. */
const TEMP_FILES = `CREATE TEMP TABLE IF NOT EXISTS files (seq INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, id TEXT NOT NULL,
  type TEXT NOT NULL, declared_type TEXT, name TEXT, created_at INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL,
  UNIQUE (doc_id, id))`

interface FileRow {
  id: string
  type: string
  declared_type: string | null
  name: string | null
  created_at: number
  size: number
}

const FILE_COLUMNS = 'id, type, declared_type, name, created_at, size'

function toFileMeta(row: FileRow): FileMeta {
  return { id: row.id, type: row.type, declaredType: row.declared_type, name: row.name, createdAt: row.created_at, size: row.size }
}

interface VersionRow {
  id: string
  name: string | null
  author_name: string | null
  author_id: string | null
  created_at: number
  automatic: number
  size: number
}

const VERSION_COLUMNS = 'id, name, author_name, author_id, created_at, automatic, size'

function toVersionMeta(row: VersionRow): VersionMeta {
  const author =
    row.author_name === null ? null : row.author_id === null ? { name: row.author_name } : { name: row.author_name, id: row.author_id }
  return { id: row.id, name: row.name, author, createdAt: row.created_at, automatic: row.automatic === 1, size: row.size }
}

function openForWriting(file: string, synchronous: 'NORMAL' | 'FULL'): Database.Database {
  const db = new Database(file)
  try {
    // Small pages keep each commit small: a typical update is tens of bytes and every commit
    // writes whole pages to the WAL (this only takes effect when the file is created).
    db.pragma('page_size = 1024')
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${synchronous}`)
    db.pragma('busy_timeout = 5000')
    // Commits rewrite the journal's last page again and again; a checkpoint copies each page to
    // the database once, however many commits wrote it, so fewer checkpoints copy less (the WAL
    // grows to about 4 MB between them, instead of 1 MB).
    db.pragma('wal_autocheckpoint = 4000')
    db.exec(SCHEMA)
    db.exec(SQLITE_OUTBOX_SCHEMA)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

/** better-sqlite3 returns Buffers; the contract promises plain Uint8Arrays (same memory). */
function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

function toMeta(row: MetaRow): DocumentMeta {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at }
}

function toListed(row: ListedRow): ListedDocument {
  return {
    ...toMeta(row),
    preview: row.preview,
    lastEditor: row.last_editor,
    hasContent: row.has_content === null ? null : row.has_content === 1,
  }
}

const EMPTY_DIGEST_ROW = { preview: '', body: '', search: '', hasContent: 0, lastEditor: null }

/**
 * The embedded default: one SQLite file in WAL mode through better-sqlite3. Every call runs
 * synchronously inside one transaction, so a batch append is a single commit and a compaction
 * cannot interleave with an append.
 */
export class SqliteStorage implements Storage {
  readonly file: string
  private readonly db: Database.Database
  /** Held from before the database opens until it is closed (D11); null when read-only. */
  private readonly lock: DataDirLock | null
  private readonly statements
  /** Writes webhook events in the transactions that cause them; null when read-only. */
  private readonly outbox: SqliteOutboxWriter | null
  private readonly foldAfterRows: number

  constructor(options: SqliteOptions) {
    this.file = path.join(options.dataDir, 'tandem.db')
    if (options.readonly) {
      this.lock = null
      this.db = new Database(this.file, { readonly: true, fileMustExist: true })
      const hasTombstones = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tombstones'`).get()
      if (!hasTombstones) this.db.exec(TEMP_TOMBSTONES)
      const hasVersions = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'versions'`).get()
      if (!hasVersions) this.db.exec(TEMP_VERSIONS)
      const hasFiles = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files'`).get()
      if (!hasFiles) this.db.exec(TEMP_FILES)
      const hasDigests = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'digests'`).get()
      if (!hasDigests) this.db.exec(TEMP_DIGESTS)
      const hasJournal = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'`).get()
      if (!hasJournal) this.db.exec(TEMP_JOURNAL)
    } else {
      fs.mkdirSync(options.dataDir, { recursive: true })
      // First, so that a second server refuses before it touches the database at all.
      this.lock = DataDirLock.acquire(options.dataDir)
      try {
        this.db = openForWriting(this.file, options.synchronous ?? 'NORMAL')
      } catch (err) {
        this.lock.release()
        throw err
      }
    }
    this.statements = {
      // seq continues after the newest row of this document; the primary key index answers it.
      insertUpdate: this.db.prepare(
        `INSERT INTO updates (doc_id, seq, data)
         VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM updates WHERE doc_id = ?), ?)`,
      ),
      insertJournal: this.db.prepare(`INSERT INTO journal (doc_id, data) VALUES (?, ?)`),
      journalOf: this.db.prepare<[string], { pos: number; data: Buffer }>(`SELECT pos, data FROM journal WHERE doc_id = ? ORDER BY pos`),
      wholeJournal: this.db.prepare<[], { doc_id: string; data: Buffer }>(`SELECT doc_id, data FROM journal ORDER BY pos`),
      countJournal: this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM journal`),
      clearJournal: this.db.prepare(`DELETE FROM journal`),
      deleteJournalUpTo: this.db.prepare(`DELETE FROM journal WHERE doc_id = ? AND pos <= ?`),
      deleteJournalOf: this.db.prepare(`DELETE FROM journal WHERE doc_id = ?`),
      touchDocument: this.db.prepare(
        `INSERT INTO documents (id, title, created_at, updated_at) VALUES (@id, coalesce(@title, ''), @now, @now)
         ON CONFLICT (id) DO UPDATE SET updated_at = @now, title = coalesce(@title, title)`,
      ),
      insertDocument: this.db.prepare(
        `INSERT INTO documents (id, title, created_at, updated_at) VALUES (?, '', ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      getDocument: this.db.prepare<[string], MetaRow>(`SELECT * FROM documents WHERE id = ?`),
      listDocuments: this.db.prepare<[], ListedRow>(
        `SELECT ${LISTED_COLUMNS} FROM documents AS d LEFT JOIN digests AS g ON g.doc_id = d.id ORDER BY d.updated_at DESC, d.id`,
      ),
      getText: this.db.prepare<[string], { body: string }>(`SELECT body FROM digests WHERE doc_id = ?`),
      putDigest: this.db.prepare(
        `INSERT INTO digests (doc_id, preview, body, search, has_content, last_editor, digested_at)
         SELECT @id, @preview, @body, @search, @hasContent, @lastEditor, @now WHERE EXISTS (SELECT 1 FROM documents WHERE id = @id)
         ON CONFLICT (doc_id) DO UPDATE SET preview = excluded.preview, body = excluded.body, search = excluded.search,
           has_content = excluded.has_content, last_editor = coalesce(excluded.last_editor, digests.last_editor),
           digested_at = excluded.digested_at`,
      ),
      staleDigests: this.db.prepare<[number], { id: string }>(
        `SELECT d.id FROM documents AS d LEFT JOIN digests AS g ON g.doc_id = d.id
         WHERE g.doc_id IS NULL OR g.digested_at < d.updated_at ORDER BY d.updated_at DESC LIMIT ?`,
      ),
      deleteDigest: this.db.prepare(`DELETE FROM digests WHERE doc_id = ?`),
      getSnapshot: this.db.prepare<[string], { data: Buffer }>(`SELECT data FROM snapshots WHERE doc_id = ?`),
      getUpdates: this.db.prepare<[string], { seq: number; data: Buffer }>(`SELECT seq, data FROM updates WHERE doc_id = ? ORDER BY seq`),
      putSnapshot: this.db.prepare(
        `INSERT INTO snapshots (doc_id, data) VALUES (?, ?) ON CONFLICT (doc_id) DO UPDATE SET data = excluded.data`,
      ),
      deleteUpdatesUpTo: this.db.prepare(`DELETE FROM updates WHERE doc_id = ? AND seq <= ?`),
      deleteUpdates: this.db.prepare(`DELETE FROM updates WHERE doc_id = ?`),
      deleteSnapshot: this.db.prepare(`DELETE FROM snapshots WHERE doc_id = ?`),
      deleteDocument: this.db.prepare(`DELETE FROM documents WHERE id = ?`),
      isDeleted: this.db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM tombstones WHERE doc_id = ?`),
      putTombstone: this.db.prepare(
        `INSERT INTO tombstones (doc_id, deleted_at) VALUES (?, ?) ON CONFLICT (doc_id) DO UPDATE SET deleted_at = excluded.deleted_at`,
      ),
      clearTombstone: this.db.prepare(`DELETE FROM tombstones WHERE doc_id = ?`),
      hasAutomaticSince: this.db.prepare<[string, number], { one: number }>(
        `SELECT 1 AS one FROM versions WHERE doc_id = ? AND automatic = 1 AND created_at >= ? LIMIT 1`,
      ),
      insertVersion: this.db.prepare(
        `INSERT INTO versions (doc_id, id, name, author_name, author_id, created_at, automatic, size, data)
         VALUES (@docId, @id, @name, @authorName, @authorId, @createdAt, @automatic, @size, @data)`,
      ),
      listVersions: this.db.prepare<[string], VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM versions WHERE doc_id = ? ORDER BY created_at DESC, seq DESC`,
      ),
      getVersion: this.db.prepare<[string, string], VersionRow & { data: Buffer }>(
        `SELECT ${VERSION_COLUMNS}, data FROM versions WHERE doc_id = ? AND id = ?`,
      ),
      latestVersion: this.db.prepare<[string], VersionRow & { data: Buffer }>(
        `SELECT ${VERSION_COLUMNS}, data FROM versions WHERE doc_id = ? ORDER BY created_at DESC, seq DESC LIMIT 1`,
      ),
      renameVersion: this.db.prepare(`UPDATE versions SET name = ? WHERE doc_id = ? AND id = ?`),
      getVersionMeta: this.db.prepare<[string, string], VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions WHERE doc_id = ? AND id = ?`),
      deleteVersion: this.db.prepare(`DELETE FROM versions WHERE doc_id = ? AND id = ?`),
      deleteAllVersions: this.db.prepare(`DELETE FROM versions WHERE doc_id = ?`),
      insertFile: this.db.prepare(
        `INSERT INTO files (doc_id, id, type, declared_type, name, created_at, size, data)
         VALUES (@docId, @id, @type, @declaredType, @name, @createdAt, @size, @data) ON CONFLICT (doc_id, id) DO NOTHING`,
      ),
      getFileMeta: this.db.prepare<[string, string], FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE doc_id = ? AND id = ?`),
      getFile: this.db.prepare<[string, string], FileRow & { data: Buffer }>(
        `SELECT ${FILE_COLUMNS}, data FROM files WHERE doc_id = ? AND id = ?`,
      ),
      listFiles: this.db.prepare<[string], FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE doc_id = ? ORDER BY seq`),
      deleteAllFiles: this.db.prepare(`DELETE FROM files WHERE doc_id = ?`),
    }
    this.outbox = options.readonly ? null : new SqliteOutboxWriter(this.db)
    this.journalRows = this.statements.countJournal.get()?.n ?? 0
    this.foldAfterRows = options.foldAfterRows ?? FOLD_AFTER_ROWS
  }

  /** The open connection, lent to stores that share this database file (revocations). */
  get connection(): SqliteConnection {
    return this.db
  }

  /**
   * When each document's updated_at was last written, and the newer times not yet written.
   * Rewriting the documents row on every commit would double the pages each commit writes, so
   * a document's time is written at most once per TOUCH_INTERVAL_MS; reads flush the rest
   * first, so nobody sees a stale time (a crash may lose the last second of it, nothing else).
   */
  private readonly lastTouched = new Map<string, number>()
  private readonly pendingTouches = new Map<string, number>()
  private touchTimer: NodeJS.Timeout | null = null
  /** Rows in the journal, as far as this process counted (only what triggers a fold), and the fold waiting for its turn. */
  private journalRows: number
  private pendingFold: NodeJS.Immediate | null = null

  private readonly appendTransaction = (batch: readonly PendingUpdate[], now: number): void => {
    const titles = new Map<string, string | null>()
    /** Whether each document of the batch is deleted (its entries are dropped). */
    const deleted = new Map<string, boolean>()
    /** Who edited each document, for its webhook dirty mark. */
    const authors = new Map<string, Set<string>>()
    for (const entry of batch) {
      let gone = deleted.get(entry.docId)
      if (gone === undefined) {
        gone = this.statements.isDeleted.get(entry.docId) !== undefined
        deleted.set(entry.docId, gone)
      }
      if (gone) continue
      this.statements.insertJournal.run(entry.docId, entry.update)
      this.journalRows++
      titles.set(entry.docId, entry.title ?? titles.get(entry.docId) ?? null)
      if (entry.author !== undefined) {
        const names = authors.get(entry.docId) ?? new Set()
        names.add(entry.author)
        authors.set(entry.docId, names)
      }
    }
    for (const [id, title] of titles) {
      const last = this.lastTouched.get(id)
      // A document first written by an edit (a client opened a new id) is created by this
      // append; once touched in this process it is known to exist.
      if (last === undefined && !this.pendingTouches.has(id) && this.statements.getDocument.get(id) === undefined) {
        this.outbox?.event(id, 'document.created', now)
      }
      this.outbox?.markDirty(id, now, title, [...(authors.get(id) ?? [])])
      if (title === null && last !== undefined && now - last < TOUCH_INTERVAL_MS) {
        this.pendingTouches.set(id, now)
        continue
      }
      this.statements.touchDocument.run({ id, title, now })
      this.lastTouched.set(id, now)
      this.pendingTouches.delete(id)
    }
  }

  private readonly touchTransaction = (): void => {
    for (const [id, now] of this.pendingTouches) {
      this.statements.touchDocument.run({ id, title: null, now })
      this.lastTouched.set(id, now)
    }
    this.pendingTouches.clear()
  }

  private flushTouches(): void {
    if (this.touchTimer) {
      clearTimeout(this.touchTimer)
      this.touchTimer = null
    }
    if (this.pendingTouches.size > 0 && this.db.open) this.db.transaction(this.touchTransaction)()
  }

  /**
   * Moves every journal row to the end of its document's log, in arrival order, in one
   * transaction: each document's log pages are written once for all of its rows.
   */
  private readonly foldTransaction = (): void => {
    for (const row of this.statements.wholeJournal.all()) this.statements.insertUpdate.run(row.doc_id, row.doc_id, row.data)
    this.statements.clearJournal.run()
    this.journalRows = 0
  }

  private fold(): void {
    this.pendingFold = null
    if (this.db.open && this.journalRows > 0) this.db.transaction(this.foldTransaction)()
  }

  async append(batch: readonly PendingUpdate[], now: number): Promise<void> {
    if (batch.length === 0) return
    try {
      this.db.transaction(this.appendTransaction)(batch, now)
    } catch (err) {
      // The rolled-back rows were counted; count again rather than guess.
      this.journalRows = this.statements.countJournal.get()?.n ?? 0
      throw err
    }
    // In a turn of its own: the batch is stored, and its callers need not wait for the fold.
    if (this.journalRows >= this.foldAfterRows && !this.pendingFold) this.pendingFold = setImmediate(() => this.fold())
    if (this.pendingTouches.size > 0 && !this.touchTimer) {
      this.touchTimer = setTimeout(() => this.flushTouches(), TOUCH_INTERVAL_MS)
      this.touchTimer.unref()
    }
  }

  async load(docId: string): Promise<StoredDocument> {
    return this.db.transaction(() => {
      const snapshot = this.statements.getSnapshot.get(docId)?.data
      // Journal rows are always newer than the log's: a fold moves the whole journal.
      const rows = [...this.statements.getUpdates.all(docId), ...this.statements.journalOf.all(docId)]
      return { snapshot: snapshot ? bytes(snapshot) : null, updates: rows.map((row) => bytes(row.data)) }
    })()
  }

  async compact(docId: string, merge: MergeUpdates): Promise<CompactionResult> {
    return this.db.transaction((): CompactionResult => {
      const rows = this.statements.getUpdates.all(docId)
      const journaled = this.statements.journalOf.all(docId)
      const stored = this.statements.getSnapshot.get(docId)?.data
      const snapshot = stored ? bytes(stored) : null
      if (rows.length + journaled.length === 0) return { mergedUpdates: 0, snapshotBytes: snapshot?.length ?? 0 }
      const merged = merge(
        snapshot,
        [...rows, ...journaled].map((row) => bytes(row.data)),
      )
      this.statements.putSnapshot.run(docId, merged)
      const lastLogged = rows.at(-1)
      if (lastLogged) this.statements.deleteUpdatesUpTo.run(docId, lastLogged.seq)
      const lastJournaled = journaled.at(-1)
      if (lastJournaled) {
        this.statements.deleteJournalUpTo.run(docId, lastJournaled.pos)
        this.journalRows -= journaled.length
      }
      return { mergedUpdates: rows.length + journaled.length, snapshotBytes: merged.length }
    })()
  }

  async ensureDocument(docId: string, now: number, options: EnsureOptions = {}): Promise<{ meta: DocumentMeta; created: boolean }> {
    return this.db.transaction(() => {
      if (this.statements.isDeleted.get(docId) !== undefined) {
        if (!options.recreate) throw new DocumentDeletedError(docId)
        this.statements.clearTombstone.run(docId)
      }
      const created = this.statements.insertDocument.run(docId, now, now).changes === 1
      if (created) {
        this.outbox?.event(docId, 'document.created', now)
        // Created empty: the list knows there is nothing in it without computing a digest.
        this.statements.putDigest.run({ id: docId, ...EMPTY_DIGEST_ROW, now })
      }
      const row = this.statements.getDocument.get(docId)
      if (!row) throw new Error(`document ${docId} vanished while being created`)
      return { meta: toMeta(row), created }
    })()
  }

  async getDocument(docId: string): Promise<DocumentMeta | null> {
    this.flushTouches()
    const row = this.statements.getDocument.get(docId)
    return row ? toMeta(row) : null
  }

  async listDocuments(): Promise<ListedDocument[]> {
    this.flushTouches()
    return this.statements.listDocuments.all().map(toListed)
  }

  /** One prepared search per number of terms (a query has a handful at most). */
  private readonly searches = new Map<number, Database.Statement<string[], ListedRow>>()

  async searchDocuments(terms: readonly string[]): Promise<ListedDocument[]> {
    if (terms.length === 0) return []
    this.flushTouches()
    let statement = this.searches.get(terms.length)
    if (!statement) {
      // instr is a plain substring test on the stored lowercase text (JavaScript lowercased it,
      // so it is right beyond ASCII, unlike SQLite's own LIKE and lower()).
      const where = terms.map(() => 'instr(g.search, ?) > 0').join(' AND ')
      statement = this.db.prepare<string[], ListedRow>(
        `SELECT ${LISTED_COLUMNS} FROM documents AS d JOIN digests AS g ON g.doc_id = d.id WHERE ${where} ORDER BY d.updated_at DESC, d.id`,
      )
      this.searches.set(terms.length, statement)
    }
    return statement.all(...terms).map(toListed)
  }

  async documentTexts(docIds: readonly string[]): Promise<Map<string, string>> {
    const texts = new Map<string, string>()
    for (const id of docIds) {
      const row = this.statements.getText.get(id)
      if (row) texts.set(id, row.body)
    }
    return texts
  }

  async saveDigest(docId: string, digest: DocumentDigest, now: number): Promise<boolean> {
    const row = {
      id: docId,
      preview: digest.preview,
      body: digest.text,
      search: digest.searchText,
      hasContent: digest.hasContent ? 1 : 0,
      lastEditor: digest.lastEditor ?? null,
      now,
    }
    return this.statements.putDigest.run(row).changes === 1
  }

  async staleDigests(limit: number): Promise<string[]> {
    this.flushTouches()
    return this.statements.staleDigests.all(limit).map((row) => row.id)
  }

  async deleteDocument(docId: string, now: number): Promise<boolean> {
    this.pendingTouches.delete(docId)
    this.lastTouched.delete(docId)
    return this.db.transaction(() => {
      this.statements.deleteUpdates.run(docId)
      this.journalRows -= this.statements.deleteJournalOf.run(docId).changes
      this.statements.deleteSnapshot.run(docId)
      this.statements.deleteAllVersions.run(docId)
      this.statements.deleteAllFiles.run(docId)
      this.statements.deleteDigest.run(docId)
      const existed = this.statements.deleteDocument.run(docId).changes === 1
      if (existed) {
        this.statements.putTombstone.run(docId, now)
        this.outbox?.clearDirty(docId)
        this.outbox?.event(docId, 'document.deleted', now)
      }
      return existed
    })()
  }

  async saveVersion(docId: string, version: NewVersion, options: SaveVersionOptions = {}): Promise<boolean> {
    return this.db.transaction(() => {
      if (!this.statements.getDocument.get(docId)) throw new DocumentDeletedError(docId)
      const since = options.skipIfAutomaticSince
      if (since !== undefined && this.statements.hasAutomaticSince.get(docId, since) !== undefined) return false
      this.statements.insertVersion.run({
        docId,
        id: version.id,
        name: version.name,
        authorName: version.author?.name ?? null,
        authorId: version.author?.id ?? null,
        createdAt: version.createdAt,
        automatic: version.automatic ? 1 : 0,
        size: version.state.length,
        data: version.state,
      })
      return true
    })()
  }

  async listVersions(docId: string): Promise<VersionMeta[]> {
    return this.statements.listVersions.all(docId).map(toVersionMeta)
  }

  async getVersion(docId: string, versionId: string): Promise<StoredVersion | null> {
    const row = this.statements.getVersion.get(docId, versionId)
    return row ? { ...toVersionMeta(row), state: bytes(row.data) } : null
  }

  async latestVersion(docId: string): Promise<StoredVersion | null> {
    const row = this.statements.latestVersion.get(docId)
    return row ? { ...toVersionMeta(row), state: bytes(row.data) } : null
  }

  async renameVersion(docId: string, versionId: string, name: string): Promise<VersionMeta | null> {
    return this.db.transaction(() => {
      this.statements.renameVersion.run(name, docId, versionId)
      const row = this.statements.getVersionMeta.get(docId, versionId)
      return row ? toVersionMeta(row) : null
    })()
  }

  async deleteVersions(docId: string, versionIds: readonly string[]): Promise<number> {
    return this.db.transaction(() => {
      let removed = 0
      for (const id of versionIds) removed += this.statements.deleteVersion.run(docId, id).changes
      return removed
    })()
  }

  async saveFile(docId: string, file: NewFile): Promise<{ meta: FileMeta; created: boolean }> {
    return this.db.transaction(() => {
      if (!this.statements.getDocument.get(docId)) throw new DocumentDeletedError(docId)
      const created =
        this.statements.insertFile.run({
          docId,
          id: file.id,
          type: file.type,
          declaredType: file.declaredType,
          name: file.name,
          createdAt: file.createdAt,
          size: file.data.length,
          data: file.data,
        }).changes === 1
      const row = this.statements.getFileMeta.get(docId, file.id)
      if (!row) throw new Error(`file ${file.id} of ${docId} vanished while being saved`)
      return { meta: toFileMeta(row), created }
    })()
  }

  async getFile(docId: string, fileId: string): Promise<StoredFile | null> {
    const row = this.statements.getFile.get(docId, fileId)
    return row ? { ...toFileMeta(row), data: bytes(row.data) } : null
  }

  async listFiles(docId: string): Promise<FileMeta[]> {
    return this.statements.listFiles.all(docId).map(toFileMeta)
  }

  async isDeleted(docId: string): Promise<boolean> {
    return this.statements.isDeleted.get(docId) !== undefined
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get()
  }

  async close(): Promise<void> {
    // The journal is durable as it is; the fold can wait for the next start.
    if (this.pendingFold) clearImmediate(this.pendingFold)
    this.pendingFold = null
    this.flushTouches()
    if (this.db.open) this.db.close()
    this.lock?.release()
  }
}
