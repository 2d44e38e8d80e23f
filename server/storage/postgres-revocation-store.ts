import type pg from 'pg'
import type { Revocation, RevocationStore } from './revocation-store'

/**
 * Revocations in PostgreSQL, on the pool of document storage (`PostgresStorage.pool`), so every
 * server of a deployment reads the same list; the table comes from the migrations.
 */
export class PostgresRevocationStore implements RevocationStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(revocation: Revocation): Promise<void> {
    await this.pool.query(
      `INSERT INTO revocations (kind, id, at) VALUES ($1, $2, $3) ON CONFLICT (kind, id) DO UPDATE SET at = excluded.at`,
      [revocation.kind, revocation.id, revocation.at],
    )
  }

  async list(): Promise<Revocation[]> {
    const { rows } = await this.pool.query<{ kind: Revocation['kind']; id: string; at: string }>('SELECT kind, id, at FROM revocations')
    return rows.map((row) => ({ kind: row.kind, id: row.id, at: Number(row.at) }))
  }
}
