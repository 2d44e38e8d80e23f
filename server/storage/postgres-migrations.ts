import type pg from 'pg'
import { outboxMigrationSql } from '../webhooks/postgres-outbox'

/**
 * The PostgreSQL schema as an ordered list of migrations. Each one runs once per database, in
 * order, and is recorded in `tandem_migrations`; a migration is never edited once released (a
 * change is a new entry at the end). `migrate` applies the missing ones at start.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/**
 * Advisory lock class of a document (the two-int key space: class, hashtext(doc id)). Appends,
 * ensureDocument and compaction take it shared; delete and re-creation take it exclusive, so a
 * tombstone cannot appear between an append's check and its insert. A hash collision only makes
 * two documents wait for each other, never wrong. Part of migration 3: never change it.
 */
export const DOC_LOCK = 0x746e01

/**
 * Advisory lock class serialising the version saves of one document (two-int key space, like
 * DOC_LOCK): the check for a recent automatic version and the insert are one atomic step across
 * servers. Never change it.
 */
export const VERSION_LOCK = 0x746e03

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents',
    sql: `
      -- last_seq: the seq of the document's newest update, bumped in each append transaction, so
      -- seqs are gap-free per document. base_seq: every update with seq <= base_seq is in the
      -- snapshot (or belongs to an earlier life of the id, before a deletion).
      CREATE TABLE documents (
        id text PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        last_seq bigint NOT NULL DEFAULT 0,
        base_seq bigint NOT NULL DEFAULT 0
      );
      CREATE INDEX documents_updated_at ON documents (updated_at DESC, id);
      CREATE TABLE updates (
        doc_id text NOT NULL,
        seq bigint NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (doc_id, seq)
      );
      -- The snapshot covers every update with seq <= seq.
      CREATE TABLE snapshots (
        doc_id text PRIMARY KEY,
        seq bigint NOT NULL,
        data bytea NOT NULL
      );
      -- last_seq is kept so that a re-created document continues the numbering.
      CREATE TABLE tombstones (
        doc_id text PRIMARY KEY,
        deleted_at bigint NOT NULL,
        last_seq bigint NOT NULL DEFAULT 0
      );
    `,
  },
  {
    version: 2,
    name: 'revocations',
    sql: `
      CREATE TABLE revocations (
        kind text NOT NULL,
        id text NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (kind, id)
      );
    `,
  },
  {
    version: 3,
    name: 'append function',
    // One round trip per group commit, in its own implicit transaction: the row locks the upsert
    // takes are held only while PostgreSQL itself works and commits, never across a round trip
    // to a busy Node process (several servers appending to the same documents would otherwise
    // queue behind each other's event loops). In a function each statement sees the latest
    // committed data, so the tombstone check runs after the document locks are held.
    sql: `
      CREATE OR REPLACE FUNCTION tandem_append(
        p_ids text[], p_titles text[], p_counts bigint[], p_now bigint,
        p_update_ids text[], p_update_ords bigint[], p_update_lengths integer[], p_blob bytea
      ) RETURNS TABLE (appended_id text, appended_last_seq bigint) LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(${DOC_LOCK}, hashtext(t.id)) FROM unnest(p_ids) AS t(id);
        RETURN QUERY
        WITH heads AS (
          INSERT INTO documents (id, title, created_at, updated_at, last_seq)
          SELECT t.id, coalesce(t.title, ''), p_now, p_now, t.n
          FROM unnest(p_ids, p_titles, p_counts) AS t(id, title, n)
          WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE tombstones.doc_id = t.id)
          ON CONFLICT (id) DO UPDATE
            SET updated_at = excluded.updated_at, last_seq = documents.last_seq + excluded.last_seq
          RETURNING documents.id, documents.last_seq
        ), pieces AS (
          -- The updates travel as one binary blob and their lengths (a bytea[] parameter would
          -- be sent as hex text); each update's offset is the sum of the lengths before it.
          SELECT u.id, u.ord, u.len, sum(u.len) OVER (ORDER BY u.i) - u.len AS offset_bytes
          FROM unnest(p_update_ids, p_update_ords, p_update_lengths) WITH ORDINALITY AS u(id, ord, len, i)
        ), inserted AS (
          INSERT INTO updates (doc_id, seq, data)
          SELECT p.id, h.last_seq - c.n + p.ord, substring(p_blob FROM p.offset_bytes::integer + 1 FOR p.len)
          FROM pieces AS p
          JOIN heads AS h ON h.id = p.id
          JOIN unnest(p_ids, p_counts) AS c(id, n) ON c.id = p.id
        )
        SELECT h.id, h.last_seq FROM heads AS h;
        UPDATE documents SET title = t.title
        FROM unnest(p_ids, p_titles) AS t(id, title)
        WHERE documents.id = t.id AND t.title IS NOT NULL;
      END
      $fn$;
    `,
  },
  {
    version: 4,
    name: 'versions',
    // Full states of a document saved for its history; seq orders versions saved in the same
    // millisecond. Deleted with their document, untouched by compaction.
    sql: `
      CREATE TABLE versions (
        seq bigserial PRIMARY KEY,
        doc_id text NOT NULL,
        id text NOT NULL,
        name text,
        author_name text,
        author_id text,
        created_at bigint NOT NULL,
        automatic boolean NOT NULL,
        size integer NOT NULL,
        data bytea NOT NULL,
        UNIQUE (doc_id, id)
      );
      CREATE INDEX versions_by_time ON versions (doc_id, created_at DESC, seq DESC);
    `,
  },
  {
    version: 5,
    name: 'webhook outbox',
    // Endpoints, deliveries and the dirty marks behind document.updated (server/webhooks/), and
    // tandem_append writing the marks in the append's own statement.
    sql: outboxMigrationSql(DOC_LOCK),
  },
  {
    version: 6,
    name: 'files',
    // Images uploaded into a document (server rules F1–F8): the id is derived from the bytes, so
    // the same image uploaded twice to one document is stored once. seq keeps the save order.
    // Deleted with their document, untouched by compaction, versions and restores.
    sql: `
      CREATE TABLE files (
        seq bigserial PRIMARY KEY,
        doc_id text NOT NULL,
        id text NOT NULL,
        type text NOT NULL,
        declared_type text,
        name text,
        created_at bigint NOT NULL,
        size integer NOT NULL,
        data bytea NOT NULL,
        UNIQUE (doc_id, id)
      );
    `,
  },
  {
    version: 7,
    name: 'document digests',
    // What the documents list shows and searches (storage.ts DocumentDigest), apart from the
    // documents row the commit path updates. Search is a substring test (strpos) on the
    // JavaScript-lowercased text: no index, a scan of this table, which is what a substring
    // needs (a trigram index would want the pg_trgm extension, which a plain database owner
    // may not be allowed to create; a tsvector matches whole words only).
    sql: `
      CREATE TABLE digests (
        doc_id text PRIMARY KEY,
        preview text NOT NULL,
        body text NOT NULL,
        search text NOT NULL,
        has_content boolean NOT NULL,
        last_editor text,
        digested_at bigint NOT NULL
      );
    `,
  },
]

/**
 * Key of the session-independent advisory lock held by a migration run (the single-bigint key
 * space; per-document locks use the two-int space, which does not overlap). "tand" in ASCII.
 */
export const MIGRATION_LOCK_KEY = 0x74616e64

/**
 * Applies the migrations this database lacks, in one transaction that holds an advisory lock:
 * servers starting at the same moment on an empty database wait for each other, and each
 * migration is applied exactly once. Resolves with the versions this call applied.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
      await client.query(
        `CREATE TABLE IF NOT EXISTS tandem_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      )
      const { rows } = await client.query<{ version: number }>('SELECT version FROM tandem_migrations')
      const done = new Set(rows.map((row) => row.version))
      const applied: number[] = []
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(migration.version)) continue
        await client.query(migration.sql)
        await client.query('INSERT INTO tandem_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
        applied.push(migration.version)
      }
      await client.query('COMMIT')
      return applied
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  } finally {
    client.release()
  }
}
