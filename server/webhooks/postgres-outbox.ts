import type pg from 'pg'
import type { EventData, WebhookEventType } from './events'
import { type EndpointRow, endpointParams, GONE_REASON, toClaimed, toDeliveryRecord, toEndpoint } from './outbox-rows'
import type { AttemptOutcome, ClaimedDelivery, DeliveryRecord, DirtyRule, Endpoint, OutboxStore } from './outbox-store'

/** A new delivery id (the webhook-id), made by PostgreSQL so a fan-out is one statement. */
const NEW_ID = `'msg_' || replace(gen_random_uuid()::text, '-', '')`

/** One row per enabled endpoint subscribed to the event ($1 doc, $2 event, $3 time, $4 data JSON). */
const FAN_OUT = `
INSERT INTO webhook_deliveries (id, endpoint_id, doc_id, event, occurred_at, data, next_at)
SELECT ${NEW_ID}, e.id, $1::text, $2::text, $3::bigint, $4::text, $3::bigint
FROM webhook_endpoints AS e
WHERE e.enabled AND (e.events = '*' OR strpos(e.events, ',' || $2::text || ',') > 0)
ORDER BY e.id`

type Queryable = Pick<pg.PoolClient, 'query'>

/** Writes an event inside the caller's transaction (document storage: created, deleted). */
export async function writeEvent(
  client: Queryable,
  docId: string,
  event: WebhookEventType,
  now: number,
  data: EventData = {},
): Promise<void> {
  await client.query(FAN_OUT, [docId, event, now, JSON.stringify(data)])
}

/** A deletion supersedes the document's unannounced changes (inside the deletion's transaction). */
export async function clearDirty(client: Queryable, docId: string): Promise<void> {
  await client.query('DELETE FROM webhook_dirty WHERE doc_id = $1', [docId])
}

/**
 * The outbox's schema (migration 5 in server/storage/postgres-migrations.ts), with tandem_append
 * redefined to also write, in the same statement, each document's dirty mark (webhooks'
 * debounced document.updated) and the document.created events of documents an append creates.
 */
export function outboxMigrationSql(docLock: number): string {
  return `
    CREATE TABLE webhook_endpoints (
      id text PRIMARY KEY,
      url text NOT NULL,
      secret text NOT NULL,
      events text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason text,
      created_at bigint NOT NULL
    );
    CREATE TABLE webhook_deliveries (
      seq bigserial PRIMARY KEY,
      id text NOT NULL UNIQUE,
      endpoint_id text NOT NULL,
      doc_id text NOT NULL,
      event text NOT NULL,
      occurred_at bigint NOT NULL,
      data text NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      next_at bigint NOT NULL,
      lease_until bigint NOT NULL DEFAULT 0,
      last_status integer,
      last_error text,
      finished_at bigint
    );
    CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, doc_id, seq) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
    CREATE TABLE webhook_dirty (
      doc_id text PRIMARY KEY,
      first_at bigint NOT NULL,
      last_at bigint NOT NULL,
      title text,
      users text[] NOT NULL DEFAULT '{}'
    );
    DROP FUNCTION tandem_append(text[], text[], bigint[], bigint, text[], bigint[], integer[], bytea);
    -- As in migration 3, plus p_users (per document, a JSON array of the editors' names or null).
    CREATE FUNCTION tandem_append(
      p_ids text[], p_titles text[], p_counts bigint[], p_now bigint,
      p_update_ids text[], p_update_ords bigint[], p_update_lengths integer[], p_blob bytea, p_users text[]
    ) RETURNS TABLE (appended_id text, appended_last_seq bigint) LANGUAGE plpgsql AS $fn$
    BEGIN
      PERFORM pg_advisory_xact_lock_shared(${docLock}, hashtext(t.id)) FROM unnest(p_ids) AS t(id);
      RETURN QUERY
      WITH heads AS (
        INSERT INTO documents (id, title, created_at, updated_at, last_seq)
        SELECT t.id, coalesce(t.title, ''), p_now, p_now, t.n
        FROM unnest(p_ids, p_titles, p_counts) AS t(id, title, n)
        WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE tombstones.doc_id = t.id)
        ON CONFLICT (id) DO UPDATE
          SET updated_at = excluded.updated_at, last_seq = documents.last_seq + excluded.last_seq
        RETURNING documents.id, documents.last_seq, (documents.xmax = 0) AS inserted
      ), pieces AS (
        SELECT u.id, u.ord, u.len, sum(u.len) OVER (ORDER BY u.i) - u.len AS offset_bytes
        FROM unnest(p_update_ids, p_update_ords, p_update_lengths) WITH ORDINALITY AS u(id, ord, len, i)
      ), inserted AS (
        INSERT INTO updates (doc_id, seq, data)
        SELECT p.id, h.last_seq - c.n + p.ord, substring(p_blob FROM p.offset_bytes::integer + 1 FOR p.len)
        FROM pieces AS p
        JOIN heads AS h ON h.id = p.id
        JOIN unnest(p_ids, p_counts) AS c(id, n) ON c.id = p.id
      ), created AS (
        INSERT INTO webhook_deliveries (id, endpoint_id, doc_id, event, occurred_at, data, next_at)
        SELECT ${NEW_ID}, e.id, h.id, 'document.created', p_now, '{}', p_now
        FROM heads AS h CROSS JOIN webhook_endpoints AS e
        WHERE h.inserted AND e.enabled AND (e.events = '*' OR strpos(e.events, ',document.created,') > 0)
      ), dirty AS (
        -- Nothing is marked while no endpoint is enabled.
        INSERT INTO webhook_dirty (doc_id, first_at, last_at, title, users)
        SELECT h.id, p_now, p_now, t.title,
          coalesce(ARRAY(SELECT jsonb_array_elements_text(t.users::jsonb)), '{}')
        FROM heads AS h JOIN unnest(p_ids, p_titles, p_users) AS t(id, title, users) ON t.id = h.id
        WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled)
        ON CONFLICT (doc_id) DO UPDATE SET
          last_at = excluded.last_at,
          title = coalesce(excluded.title, webhook_dirty.title),
          users = CASE WHEN cardinality(excluded.users) = 0 THEN webhook_dirty.users
            ELSE ARRAY(SELECT DISTINCT u FROM unnest(webhook_dirty.users || excluded.users) AS u) END
      )
      SELECT h.id, h.last_seq FROM heads AS h;
      UPDATE documents SET title = t.title
      FROM unnest(p_ids, p_titles) AS t(id, title)
      WHERE documents.id = t.id AND t.title IS NOT NULL;
    END
    $fn$;
  `
}

/**
 * The outbox in PostgreSQL, shared by every server of the database. Claims take the rows with
 * `FOR UPDATE SKIP LOCKED` and stamp a lease, so two servers never send the same delivery at
 * once; a server that dies mid-attempt leaves a lease that lapses, and another sends it again
 * (at least once). Dirty marks are promoted the same way, so each becomes one set of events.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly pool: pg.Pool) {}

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
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

  async createEndpoint(endpoint: Endpoint): Promise<void> {
    const p = endpointParams(endpoint)
    await this.pool.query(
      `INSERT INTO webhook_endpoints (id, url, secret, events, enabled, disabled_reason, created_at) VALUES ($1, $2, $3, $4, true, NULL, $5)`,
      [p.id, p.url, p.secret, p.events, p.createdAt],
    )
  }

  async upsertEndpoint(endpoint: Endpoint): Promise<void> {
    const p = endpointParams(endpoint)
    await this.pool.query(
      `INSERT INTO webhook_endpoints (id, url, secret, events, enabled, disabled_reason, created_at) VALUES ($1, $2, $3, $4, true, NULL, $5)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret, events = excluded.events, enabled = true, disabled_reason = NULL`,
      [p.id, p.url, p.secret, p.events, p.createdAt],
    )
  }

  async listEndpoints(): Promise<Endpoint[]> {
    const { rows } = await this.pool.query<EndpointRow>('SELECT * FROM webhook_endpoints ORDER BY created_at, id')
    return rows.map(toEndpoint)
  }

  async getEndpoint(id: string): Promise<Endpoint | null> {
    const { rows } = await this.pool.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1', [id])
    return rows[0] ? toEndpoint(rows[0]) : null
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    return this.transaction(async (client) => {
      await client.query('DELETE FROM webhook_deliveries WHERE endpoint_id = $1', [id])
      const { rowCount } = await client.query('DELETE FROM webhook_endpoints WHERE id = $1', [id])
      return rowCount === 1
    })
  }

  async recordEvent(docId: string, event: WebhookEventType, data: EventData, now: number): Promise<void> {
    await writeEvent(this.pool, docId, event, now, data)
  }

  async promoteDirty(rule: DirtyRule): Promise<number> {
    // Every server asks twice a second: one cheap query when nothing is due.
    const due = await this.pool.query('SELECT 1 FROM webhook_dirty WHERE last_at <= $1 OR first_at <= $2 LIMIT 1', [
      rule.lastBefore,
      rule.firstBefore,
    ])
    if (due.rowCount === 0) return 0
    return this.transaction(async (client) => {
      const { rows } = await client.query<{
        doc_id: string
        last_at: string
        title: string | null
        users: string[]
        last_seq: string | null
      }>(
        `SELECT w.doc_id, w.last_at, w.title, w.users, d.last_seq
         FROM webhook_dirty AS w LEFT JOIN documents AS d ON d.id = w.doc_id
         WHERE w.last_at <= $1 OR w.first_at <= $2
         ORDER BY w.first_at LIMIT 200 FOR UPDATE OF w SKIP LOCKED`,
        [rule.lastBefore, rule.firstBefore],
      )
      for (const row of rows) {
        const at = Number(row.last_at)
        const users = row.users
        const seq = row.last_seq === null ? {} : { seq: Number(row.last_seq) }
        if (row.title !== null) await writeEvent(client, row.doc_id, 'document.renamed', at, { title: row.title, ...seq, users })
        await writeEvent(client, row.doc_id, 'document.updated', at, { ...seq, users })
        await clearDirty(client, row.doc_id)
      }
      return rows.length
    })
  }

  async claim(now: number, limit: number, leaseUntil: number): Promise<ClaimedDelivery[]> {
    // One statement, so one round trip and no transaction held across the network: the rows
    // are locked (others skip them), leased and returned together.
    const { rows } = await this.pool.query<{
      seq: string
      id: string
      endpoint_id: string
      doc_id: string
      event: string
      occurred_at: string
      data: string
      attempts: number
      url: string
      secret: string
    }>(
      `WITH due AS (
         SELECT d.seq FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_at <= $1 AND d.lease_until <= $1 AND e.enabled
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS p
             WHERE p.status = 'pending' AND p.endpoint_id = d.endpoint_id AND p.doc_id = d.doc_id AND p.seq < d.seq)
         ORDER BY d.seq LIMIT $2 FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries AS d SET lease_until = $3 FROM due WHERE d.seq = due.seq
         RETURNING d.seq, d.id, d.endpoint_id, d.doc_id, d.event, d.occurred_at, d.data, d.attempts
       )
       SELECT c.*, e.url, e.secret FROM claimed AS c JOIN webhook_endpoints AS e ON e.id = c.endpoint_id ORDER BY c.seq`,
      [now, limit, leaseUntil],
    )
    return rows.map(toClaimed)
  }

  async settle(delivery: ClaimedDelivery, outcome: AttemptOutcome, now: number): Promise<void> {
    switch (outcome.kind) {
      case 'delivered':
        await this.pool.query(
          `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $1, last_error = NULL,
             finished_at = $2, lease_until = 0 WHERE id = $3`,
          [outcome.status, now, delivery.id],
        )
        return
      case 'retry':
        await this.pool.query(
          `UPDATE webhook_deliveries SET attempts = attempts + 1, next_at = $1, last_status = $2, last_error = $3, lease_until = 0 WHERE id = $4`,
          [outcome.nextAt, outcome.status, outcome.error, delivery.id],
        )
        return
      case 'failed':
        await this.pool.query(
          `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_status = $1, last_error = $2,
             finished_at = $3, lease_until = 0 WHERE id = $4`,
          [outcome.status, outcome.error, now, delivery.id],
        )
        return
      case 'gone':
        await this.transaction(async (client) => {
          await client.query(
            `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_status = 410, last_error = $1,
               finished_at = $2, lease_until = 0 WHERE id = $3`,
            [GONE_REASON, now, delivery.id],
          )
          await client.query('UPDATE webhook_endpoints SET enabled = false, disabled_reason = $1 WHERE id = $2', [
            GONE_REASON,
            delivery.endpointId,
          ])
          await client.query(
            `UPDATE webhook_deliveries SET status = 'failed', last_error = $1, finished_at = $2, lease_until = 0
             WHERE endpoint_id = $3 AND status = 'pending'`,
            [`not sent: ${GONE_REASON}`, now, delivery.endpointId],
          )
        })
    }
  }

  async deliveries(endpointId: string, limit: number): Promise<DeliveryRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT id, endpoint_id, doc_id, event, occurred_at, status, attempts, next_at, last_status, last_error, finished_at
       FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY seq DESC LIMIT $2`,
      [endpointId, limit],
    )
    return rows.map(toDeliveryRecord)
  }

  async backlog(): Promise<{ pending: number; dirty: number }> {
    const { rows } = await this.pool.query<{ pending: string; dirty: string }>(
      `SELECT (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending, (SELECT count(*) FROM webhook_dirty) AS dirty`,
    )
    return { pending: Number(rows[0]?.pending ?? 0), dirty: Number(rows[0]?.dirty ?? 0) }
  }

  async prune(before: number): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < $1`, [before])
    return rowCount ?? 0
  }
}
