import type Database from 'better-sqlite3'
import type { EventData, WebhookEventType } from './events'
import { type ClaimRow, type EndpointRow, endpointParams, GONE_REASON, toClaimed, toDeliveryRecord, toEndpoint } from './outbox-rows'
import type { AttemptOutcome, ClaimedDelivery, DeliveryRecord, DirtyRule, Endpoint, OutboxStore } from './outbox-store'

/** The outbox tables, created with the document tables (server/storage/sqlite.ts). */
export const SQLITE_OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  endpoint_id TEXT NOT NULL,
  doc_id TEXT NOT NULL,
  event TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER,
  last_error TEXT,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_pending ON webhook_deliveries (endpoint_id, doc_id, seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
CREATE TABLE IF NOT EXISTS webhook_dirty (
  doc_id TEXT PRIMARY KEY,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  title TEXT,
  users TEXT NOT NULL DEFAULT '[]'
);
`

export type OutboxConnection = Pick<Database.Database, 'exec' | 'prepare' | 'transaction'>

/** One row per enabled endpoint subscribed to the event; the id is the delivery's webhook-id. */
const FAN_OUT = `
INSERT INTO webhook_deliveries (id, endpoint_id, doc_id, event, occurred_at, data, next_at)
SELECT 'msg_' || lower(hex(randomblob(16))), e.id, @docId, @event, @now, @data, @now
FROM webhook_endpoints AS e
WHERE e.enabled = 1 AND (e.events = '*' OR instr(e.events, ',' || @event || ',') > 0)
ORDER BY e.id`

/**
 * The statements the document storage runs inside its own transactions, so an event is stored
 * exactly when its cause is (created, deleted, and the dirty mark of every append).
 */
export class SqliteOutboxWriter {
  private readonly fanOut
  private readonly dirty
  private readonly undirty

  constructor(db: OutboxConnection) {
    this.fanOut = db.prepare(FAN_OUT)
    // Nothing is marked while no endpoint is enabled: an append then costs one index probe.
    this.dirty = db.prepare(
      `INSERT INTO webhook_dirty (doc_id, first_at, last_at, title, users)
       SELECT @docId, @now, @now, @title, @users WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1)
       ON CONFLICT (doc_id) DO UPDATE SET
         last_at = excluded.last_at,
         title = coalesce(excluded.title, webhook_dirty.title),
         users = CASE WHEN excluded.users = '[]' THEN webhook_dirty.users ELSE (SELECT json_group_array(value) FROM (
           SELECT value FROM json_each(webhook_dirty.users) UNION SELECT value FROM json_each(excluded.users))) END`,
    )
    this.undirty = db.prepare('DELETE FROM webhook_dirty WHERE doc_id = ?')
  }

  event(docId: string, event: WebhookEventType, now: number, data: EventData = {}): void {
    this.fanOut.run({ docId, event, now, data: JSON.stringify(data) })
  }

  /** The document changed (`title`: it was renamed to it; `users`: who changed it). */
  markDirty(docId: string, now: number, title: string | null, users: readonly string[]): void {
    this.dirty.run({ docId, now, title, users: JSON.stringify(users) })
  }

  /** A deletion supersedes the document's unannounced changes. */
  clearDirty(docId: string): void {
    this.undirty.run(docId)
  }
}

interface DeliveryRow {
  id: string
  endpoint_id: string
  doc_id: string
  event: string
  occurred_at: number
  status: string
  attempts: number
  next_at: number
  last_status: number | null
  last_error: string | null
  finished_at: number | null
}

interface DirtyRow {
  doc_id: string
  last_at: number
  title: string | null
  users: string
}

/** The outbox in the server's SQLite file (one server per data directory, D11). */
export class SqliteOutboxStore implements OutboxStore {
  private readonly writer: SqliteOutboxWriter
  private readonly s

  constructor(private readonly db: OutboxConnection) {
    db.exec(SQLITE_OUTBOX_SCHEMA)
    this.writer = new SqliteOutboxWriter(db)
    // Only this process uses the file, so a claim left by a crashed run is released at once.
    db.prepare(`UPDATE webhook_deliveries SET lease_until = 0 WHERE status = 'pending' AND lease_until <> 0`).run()
    this.s = {
      insertEndpoint: db.prepare(
        `INSERT INTO webhook_endpoints (id, url, secret, events, enabled, disabled_reason, created_at)
         VALUES (@id, @url, @secret, @events, 1, NULL, @createdAt)`,
      ),
      upsertEndpoint: db.prepare(
        `INSERT INTO webhook_endpoints (id, url, secret, events, enabled, disabled_reason, created_at)
         VALUES (@id, @url, @secret, @events, 1, NULL, @createdAt)
         ON CONFLICT (id) DO UPDATE SET url = excluded.url, secret = excluded.secret, events = excluded.events,
           enabled = 1, disabled_reason = NULL`,
      ),
      listEndpoints: db.prepare<[], EndpointRow>('SELECT * FROM webhook_endpoints ORDER BY created_at, id'),
      getEndpoint: db.prepare<[string], EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?'),
      deleteEndpoint: db.prepare('DELETE FROM webhook_endpoints WHERE id = ?'),
      deleteEndpointDeliveries: db.prepare('DELETE FROM webhook_deliveries WHERE endpoint_id = ?'),
      dueDirty: db.prepare<[number, number], DirtyRow>(
        `SELECT doc_id, last_at, title, users FROM webhook_dirty WHERE last_at <= ? OR first_at <= ? ORDER BY first_at LIMIT 200`,
      ),
      claim: db.prepare<[number, number, number], ClaimRow & { seq: number }>(
        `SELECT d.seq, d.id, d.endpoint_id, d.doc_id, d.event, d.occurred_at, d.data, d.attempts, e.url, e.secret
         FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_at <= ? AND d.lease_until <= ? AND e.enabled = 1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS p
             WHERE p.status = 'pending' AND p.endpoint_id = d.endpoint_id AND p.doc_id = d.doc_id AND p.seq < d.seq)
         ORDER BY d.seq LIMIT ?`,
      ),
      lease: db.prepare('UPDATE webhook_deliveries SET lease_until = ? WHERE id = ?'),
      delivered: db.prepare(
        `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL,
           finished_at = ?, lease_until = 0 WHERE id = ?`,
      ),
      retry: db.prepare(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, next_at = ?, last_status = ?, last_error = ?, lease_until = 0 WHERE id = ?`,
      ),
      failed: db.prepare(
        `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_status = ?, last_error = ?,
           finished_at = ?, lease_until = 0 WHERE id = ?`,
      ),
      disable: db.prepare(`UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ?`),
      failPending: db.prepare(
        `UPDATE webhook_deliveries SET status = 'failed', last_error = ?, finished_at = ?, lease_until = 0
         WHERE endpoint_id = ? AND status = 'pending'`,
      ),
      deliveries: db.prepare<[string, number], DeliveryRow>(
        `SELECT id, endpoint_id, doc_id, event, occurred_at, status, attempts, next_at, last_status, last_error, finished_at
         FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY seq DESC LIMIT ?`,
      ),
      pending: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'`),
      dirtyCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM webhook_dirty'),
      prune: db.prepare(`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < ?`),
    }
  }

  async createEndpoint(endpoint: Endpoint): Promise<void> {
    this.s.insertEndpoint.run(endpointParams(endpoint))
  }

  async upsertEndpoint(endpoint: Endpoint): Promise<void> {
    this.s.upsertEndpoint.run(endpointParams(endpoint))
  }

  async listEndpoints(): Promise<Endpoint[]> {
    return this.s.listEndpoints.all().map(toEndpoint)
  }

  async getEndpoint(id: string): Promise<Endpoint | null> {
    const row = this.s.getEndpoint.get(id)
    return row ? toEndpoint(row) : null
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.s.deleteEndpointDeliveries.run(id)
      return this.s.deleteEndpoint.run(id).changes === 1
    })()
  }

  async recordEvent(docId: string, event: WebhookEventType, data: EventData, now: number): Promise<void> {
    this.writer.event(docId, event, now, data)
  }

  async promoteDirty(rule: DirtyRule): Promise<number> {
    return this.db.transaction(() => {
      const marks = this.s.dueDirty.all(rule.lastBefore, rule.firstBefore)
      for (const mark of marks) {
        const users = JSON.parse(mark.users) as string[]
        if (mark.title !== null) this.writer.event(mark.doc_id, 'document.renamed', mark.last_at, { title: mark.title, users })
        this.writer.event(mark.doc_id, 'document.updated', mark.last_at, { users })
        this.writer.clearDirty(mark.doc_id)
      }
      return marks.length
    })()
  }

  async claim(now: number, limit: number, leaseUntil: number): Promise<ClaimedDelivery[]> {
    return this.db.transaction(() => {
      const rows = this.s.claim.all(now, now, limit)
      for (const row of rows) this.s.lease.run(leaseUntil, row.id)
      return rows.map(toClaimed)
    })()
  }

  async settle(delivery: ClaimedDelivery, outcome: AttemptOutcome, now: number): Promise<void> {
    this.db.transaction(() => {
      switch (outcome.kind) {
        case 'delivered':
          this.s.delivered.run(outcome.status, now, delivery.id)
          return
        case 'retry':
          this.s.retry.run(outcome.nextAt, outcome.status, outcome.error, delivery.id)
          return
        case 'failed':
          this.s.failed.run(outcome.status, outcome.error, now, delivery.id)
          return
        case 'gone':
          this.s.failed.run(410, GONE_REASON, now, delivery.id)
          this.s.disable.run(GONE_REASON, delivery.endpointId)
          this.s.failPending.run(`not sent: ${GONE_REASON}`, now, delivery.endpointId)
      }
    })()
  }

  async deliveries(endpointId: string, limit: number): Promise<DeliveryRecord[]> {
    return this.s.deliveries.all(endpointId, limit).map(toDeliveryRecord)
  }

  async backlog(): Promise<{ pending: number; dirty: number }> {
    return { pending: this.s.pending.get()?.n ?? 0, dirty: this.s.dirtyCount.get()?.n ?? 0 }
  }

  async prune(before: number): Promise<number> {
    return this.s.prune.run(before).changes
  }
}
