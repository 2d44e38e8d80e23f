import type Database from 'better-sqlite3'
import type { Revocation, RevocationStore } from './revocation-store'

/**
 * What this store needs of a SQLite connection. Document storage lends its own connection
 * (`SqliteStorage.connection`), so revocations live in the same database file, committed by
 * the same WAL, and close with it.
 */
export type SqliteConnection = Pick<Database.Database, 'exec' | 'prepare' | 'transaction'>

/** The table predates this store (it was created by document storage), so existing files keep their rows. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS revocations (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
);
`

/** Revocations in a `revocations` table: one row per user or document, the latest wins. */
export class SqliteRevocationStore implements RevocationStore {
  private readonly put: Database.Statement<[string, string, number]>
  private readonly all: Database.Statement<[], Revocation>

  constructor(connection: SqliteConnection) {
    connection.exec(SCHEMA)
    this.put = connection.prepare(
      `INSERT INTO revocations (kind, id, at) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET at = excluded.at`,
    )
    this.all = connection.prepare(`SELECT kind, id, at FROM revocations`)
  }

  async add(revocation: Revocation): Promise<void> {
    this.put.run(revocation.kind, revocation.id, revocation.at)
  }

  async list(): Promise<Revocation[]> {
    return this.all.all().map((row) => ({ kind: row.kind, id: row.id, at: row.at }))
  }
}
