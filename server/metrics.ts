import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Message kinds as labels: the y-websocket message types plus 'other' for refused frames. */
export type MessageKind = 'sync' | 'awareness' | 'auth' | 'query_awareness' | 'other'

const KINDS: readonly MessageKind[] = ['sync', 'awareness', 'auth', 'query_awareness', 'other']
const KIND_INDEX: Record<MessageKind, number> = { sync: 0, awareness: 1, auth: 2, query_awareness: 3, other: 4 }

/** What a cluster member counts (server/cluster/cluster.ts). */
export interface ClusterStats {
  readonly published: number
  readonly received: number
  readonly catchUps: number
  readonly serversGone: number
  readonly redisUp: boolean
}

/**
 * The server's Prometheus metrics, on a registry of its own (no global state, so several
 * servers can run in one process). Per-message counts are plain numbers on the relay path and
 * are copied into the Prometheus counters only when /metrics is scraped.
 */
export class Metrics {
  readonly registry = new Registry()
  private readonly messagesIn = new Float64Array(KINDS.length)
  private readonly bytesIn = new Float64Array(KINDS.length)
  private readonly messagesOut = new Float64Array(KINDS.length)
  private readonly bytesOut = new Float64Array(KINDS.length)
  private readonly commitSeconds: Histogram
  private readonly commitBatch: Histogram
  private readonly compactions: Counter
  private readonly rejected: Counter<'reason'>
  private readonly limitHits: Counter<'kind'>
  private readonly connectionsOpened: Counter

  constructor(sources: {
    connections: () => number
    documentsLoaded: () => number
    pendingUpdates: () => number
    /** This server's cluster counters, when it is in a cluster (read when scraped). */
    cluster?: () => ClusterStats | null
    /** The webhook outbox's backlog, when webhooks are on (read when scraped). */
    webhookBacklog?: () => Promise<{ pending: number; dirty: number }>
  }) {
    const registry = this.registry
    collectDefaultMetrics({ register: registry, prefix: 'tandem_process_', eventLoopMonitoringPrecision: 10 })
    new Gauge({
      name: 'tandem_connections',
      help: 'Open WebSocket connections',
      registers: [registry],
      collect() {
        this.set(sources.connections())
      },
    })
    new Gauge({
      name: 'tandem_documents_loaded',
      help: 'Documents held in memory',
      registers: [registry],
      collect() {
        this.set(sources.documentsLoaded())
      },
    })
    new Gauge({
      name: 'tandem_updates_pending',
      help: 'Updates received but not yet committed to storage',
      registers: [registry],
      collect() {
        this.set(sources.pendingUpdates())
      },
    })
    const byKind = (name: string, help: string, values: Float64Array) =>
      new Counter({
        name,
        help,
        labelNames: ['type'],
        registers: [registry],
        collect() {
          this.reset()
          for (const [i, kind] of KINDS.entries()) this.inc({ type: kind }, values[i]!)
        },
      })
    byKind('tandem_messages_received_total', 'Messages received from clients, by type', this.messagesIn)
    byKind('tandem_bytes_received_total', 'Bytes received from clients, by message type', this.bytesIn)
    byKind('tandem_messages_sent_total', 'Messages sent to clients, by type', this.messagesOut)
    byKind('tandem_bytes_sent_total', 'Bytes sent to clients, by message type', this.bytesOut)
    this.commitSeconds = new Histogram({
      name: 'tandem_commit_duration_seconds',
      help: 'Time to commit one batch of updates to storage',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    })
    this.commitBatch = new Histogram({
      name: 'tandem_commit_batch_updates',
      help: 'Updates per storage transaction (group commit)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000],
      registers: [registry],
    })
    this.compactions = new Counter({
      name: 'tandem_compactions_total',
      help: 'Update logs compacted into snapshots',
      registers: [registry],
    })
    this.rejected = new Counter({
      name: 'tandem_connections_rejected_total',
      help: 'Connections refused or closed by the server, by reason',
      labelNames: ['reason'],
      registers: [registry],
    })
    this.limitHits = new Counter({
      name: 'tandem_limit_hits_total',
      help: 'Times a configured limit was reached, by limit',
      labelNames: ['kind'],
      registers: [registry],
    })
    this.connectionsOpened = new Counter({
      name: 'tandem_connections_opened_total',
      help: 'WebSocket connections accepted',
      registers: [registry],
    })
    if (sources.cluster) this.registerCluster(sources.cluster)
    this.webhookDeliveries = new Counter({
      name: 'tandem_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by result (delivered, retry, failed: out of attempts, gone: 410 disabled the endpoint)',
      labelNames: ['result'],
      registers: [registry],
    })
    if (sources.webhookBacklog) this.registerWebhookBacklog(sources.webhookBacklog)
  }

  private readonly webhookDeliveries: Counter<'result'>

  private registerWebhookBacklog(read: () => Promise<{ pending: number; dirty: number }>): void {
    // One read per scrape serves both gauges; a database that does not answer keeps the last
    // figures rather than failing the whole scrape.
    let known = { pending: 0, dirty: 0 }
    let latest: Promise<{ pending: number; dirty: number }> | null = null
    const backlog = () => {
      latest ??= read()
        .then((figures) => (known = figures))
        .catch(() => known)
        .finally(() => setImmediate(() => (latest = null)))
      return latest
    }
    new Gauge({
      name: 'tandem_webhook_deliveries_pending',
      help: 'Webhook deliveries stored and not yet delivered or failed (all servers of the database)',
      registers: [this.registry],
      async collect() {
        this.set((await backlog()).pending)
      },
    })
    new Gauge({
      name: 'tandem_webhook_documents_dirty',
      help: 'Documents changed since their last document.updated event (debounced, not yet announced)',
      registers: [this.registry],
      async collect() {
        this.set((await backlog()).dirty)
      },
    })
  }

  webhookAttempt(result: 'delivered' | 'retry' | 'failed' | 'gone'): void {
    this.webhookDeliveries.labels(result).inc()
  }

  private registerCluster(read: () => ClusterStats | null): void {
    const registers = [this.registry]
    const counter = (name: string, help: string, value: (stats: ClusterStats) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          const stats = read()
          this.reset()
          if (stats) this.inc(value(stats))
        },
      })
    counter('tandem_cluster_messages_published_total', 'Messages this server published to the other servers', (s) => s.published)
    counter('tandem_cluster_messages_received_total', 'Messages received from the other servers', (s) => s.received)
    counter(
      'tandem_cluster_catchups_total',
      'Reads from storage of what the other servers committed (gaps, reconnects, checks)',
      (s) => s.catchUps,
    )
    counter(
      'tandem_cluster_servers_gone_total',
      'Other servers whose presence was dropped (clean stop or lapsed liveness)',
      (s) => s.serversGone,
    )
    new Gauge({
      name: 'tandem_cluster_redis_up',
      help: '1 while Redis is reachable (the relay between servers works), 0 otherwise',
      registers,
      collect() {
        this.set(read()?.redisUp ? 1 : 0)
      },
    })
  }

  messageIn(kind: MessageKind, bytes: number): void {
    const i = KIND_INDEX[kind]
    this.messagesIn[i]! += 1
    this.bytesIn[i]! += bytes
  }

  messageOut(kind: MessageKind, bytes: number): void {
    const i = KIND_INDEX[kind]
    this.messagesOut[i]! += 1
    this.bytesOut[i]! += bytes
  }

  committed(updates: number, durationMs: number): void {
    this.commitSeconds.observe(durationMs / 1000)
    this.commitBatch.observe(updates)
  }

  compacted(): void {
    this.compactions.inc()
  }

  connectionRejected(reason: string): void {
    this.rejected.labels(reason).inc()
  }

  limitHit(kind: string): void {
    this.limitHits.labels(kind).inc()
  }

  connectionOpened(): void {
    this.connectionsOpened.inc()
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}

/** The kind label of a raw frame, from its first byte (every type is a one-byte varint). */
export function messageKindOf(frame: Uint8Array): MessageKind {
  switch (frame[0]) {
    case 0:
      return 'sync'
    case 1:
      return 'awareness'
    case 2:
      return 'auth'
    case 3:
      return 'query_awareness'
    default:
      return 'other'
  }
}
