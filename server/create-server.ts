import fs from 'node:fs'
import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { CloseCode, KEEPALIVE_FRAME, roleCanWrite } from '../lib/protocol'
import { Authenticator } from './auth/authenticator'
import { RevocationList } from './auth/revocations'
import { TokenService } from './auth/tokens'
import { Cluster, type ClusterOptions } from './cluster/cluster'
import type { Config } from './config'
import { ContentWriter } from './documents/content-writer'
import { DocumentDigests } from './documents/digests'
import { tandemRoomPolicy } from './documents/room-policy'
import { SeedLocks } from './documents/seed-lock'
import { AdminApi } from './http/admin-api'
import { clientAddressResolver } from './http/client-address'
import { DocsApi } from './http/docs-api'
import { FilesApi } from './http/files-api'
import { type Fallbacks, HttpListener } from './http/listener'
import { createHttpRoutes } from './http/router'
import { TokenApi } from './http/token-api'
import { VersionsApi } from './http/versions-api'
import { Admission } from './limits/admission'
import { createLogger, type Logger } from './log'
import { Metrics } from './metrics'
import { CommitQueue } from './rooms/commit-queue'
import { Compactor } from './rooms/compactor'
import { RoomManager } from './rooms/room-manager'
import { eventLoop, type Scheduler } from './scheduler'
import { createShutdown } from './shutdown'
import { MemoryStorage } from './storage/memory'
import { MemoryRevocationStore } from './storage/memory-revocation-store'
import { openStores } from './storage/open-stores'
import type { RevocationStore } from './storage/revocation-store'
import { SqliteStorage } from './storage/sqlite'
import { isSequenced, type Storage } from './storage/storage'
import { type ServerMode, type Ticket, UpgradePolicy } from './transport/upgrade-policy'
import { SyncTransport } from './transport/websocket'
import { type VersionEvents, VersionService } from './versions/version-service'
import type { OutboxStore } from './webhooks/outbox-store'
import { SqliteOutboxStore } from './webhooks/sqlite-outbox'
import { versionEventsToWebhooks } from './webhooks/version-events'
import { Webhooks } from './webhooks/webhooks'

export type { RequestFallback, UpgradeFallback } from './http/listener'

/**
 * Composition root: config and dependencies in, a running sync server out. It constructs the
 * parts and wires them; each part's job lives in its own module. Nothing here is
 * module-global, so tests start as many servers in one process as they like.
 */
export interface ServerDeps {
  /**
   * Document storage. When given, revocations live in memory unless `revocationStore` is
   * given too; when not, both come from `config.storage`.
   */
  readonly storage?: Storage
  readonly revocationStore?: RevocationStore
  readonly logger?: Logger
  /** Which upgrade paths are the sync server's (see ServerMode); default standalone. */
  readonly mode?: ServerMode
  /** Wall-clock time in ms since the epoch, for stored times (updates, revocations). */
  readonly now?: () => number
  /** Time for per-connection limits, heartbeats and the shutdown drain (tests drive it). */
  readonly scheduler?: Scheduler
  /** Randomness for the drain jitter (tests make it deterministic). */
  readonly random?: () => number
  /** Told when a version is saved or restored (webhooks); nobody by default. */
  readonly versionEvents?: VersionEvents
}

export interface TandemServer {
  readonly config: Config
  readonly logger: Logger
  readonly storage: Storage
  readonly rooms: RoomManager
  readonly commitQueue: CommitQueue
  readonly transport: SyncTransport<Ticket>
  readonly metrics: Metrics
  readonly auth: Authenticator
  readonly versions: VersionService
  /** Keeps the documents list's previews, search text and last editors (after edits settle). */
  readonly digests: DocumentDigests
  /** This server's part in a cluster (TANDEM_REDIS_URL), null alone. */
  readonly cluster: Cluster | null
  /**
   * Signed webhooks; null on memory storage (no durable outbox). Also the listener the
   * versions service tells of version.created and document.restored.
   */
  readonly webhooks: Webhooks | null
  /** Serves /healthz, /readyz, /metrics and /api/*; false for any other path. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean
  /** Takes the upgrade when its path is a sync path; false otherwise. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Loads the revocations, creates the HTTP server, listens on config.port/host, resolves with the bound address. */
  listen(fallbacks?: Fallbacks): Promise<AddressInfo>
  /** Graceful stop: the shutdown sequence of `server/shutdown.ts`, run once. */
  close(): Promise<void>
}

/** Time a remote server has to send an image the files API was asked to fetch (F7). */
const REMOTE_IMAGE_TIMEOUT_MS = 10_000

function createTokenService(config: Config): TokenService | null {
  if (config.authSecret) return new TokenService({ kind: 'secret', secret: config.authSecret })
  if (config.authPublicKeyFile) {
    const pem = fs.readFileSync(config.authPublicKeyFile, 'utf8')
    return new TokenService({ kind: 'public-key', pem, algorithm: config.authAlgorithm })
  }
  return null
}

/**
 * Async because storage opens first: PostgreSQL connects and migrates, and a data directory in
 * use or a database that does not answer rejects here, before anything listens.
 */
export async function createTandemServer(config: Config, deps: ServerDeps = {}): Promise<TandemServer> {
  const logger = deps.logger ?? createLogger(config.logLevel, config.logFormat)
  const stores = deps.storage
    ? { storage: deps.storage, revocations: new MemoryRevocationStore() }
    : await openStores(config, { onIdleError: (err) => logger.warn({ err }, 'database connection lost') })
  const storage = stores.storage
  const mode = deps.mode ?? 'standalone'
  const now = deps.now ?? Date.now
  const scheduler = deps.scheduler ?? eventLoop
  const random = deps.random ?? Math.random

  const outbox = await openOutbox(storage)
  // The gauges read the rooms when scraped, after everything below exists.
  const metrics = new Metrics({
    connections: () => rooms.connectionCount,
    documentsLoaded: () => rooms.loadedRooms,
    pendingUpdates: () => rooms.pendingUpdates,
    cluster: config.redisUrl ? () => cluster?.stats() ?? null : undefined,
    webhookBacklog: outbox ? () => outbox.backlog() : undefined,
  })
  const webhooks = outbox
    ? new Webhooks({
        store: outbox,
        logger,
        scheduler,
        now,
        random,
        policy: { allowPrivate: config.webhookAllowPrivate },
        retryDelaysMs: config.webhookRetryDelays,
        timeoutMs: config.webhookTimeoutMs,
        configured: config.webhookUrl && config.webhookSecret ? { url: config.webhookUrl, secret: config.webhookSecret } : null,
        onAttempt: (result) => metrics.webhookAttempt(result),
      })
    : null
  const commitQueue = new CommitQueue({
    storage,
    logger,
    now,
    batchWindowMs: config.commitWindowMs,
    onBatchCommitted: (size, ms) => metrics.committed(size, ms),
  })
  const compactor = new Compactor({ storage, logger, onCompacted: () => metrics.compacted() })
  const onLimitHit = (kind: string) => metrics.limitHit(kind)
  const cluster = await joinCluster(config, storage, logger, scheduler, {
    onRevoked(revocation) {
      revocations.learn(revocation)
      closeRevoked()
    },
    onReconnected() {
      // A revocation announced while Redis was away was missed; storage has it.
      revocations.load().then(closeRevoked, (err: unknown) => logger.warn({ err }, 'could not reload revocations'))
    },
  })
  const rooms = new RoomManager({
    storage,
    commitQueue,
    compactor,
    logger,
    compactAfterUpdates: config.compactAfterUpdates,
    backlogLimits: {
      maxMessages: config.maxBacklogMessages,
      maxBytes: config.maxBacklogBytes,
      onOverflow: () => onLimitHit('backlog'),
    },
    presenceLimits: {
      maxAwarenessPerSecond: config.maxAwarenessPerSecond,
      maxAwarenessStateBytes: config.maxAwarenessStateBytes,
    },
    maxLoadedDocuments: config.maxLoadedDocuments,
    onLimitHit,
    policy: tandemRoomPolicy,
    now,
    replication: cluster,
    onCommitted: (docId, editor) => {
      versions.documentChanged(docId)
      digests.changed(docId, editor)
    },
  })
  const versions = new VersionService({
    storage,
    rooms,
    logger,
    now,
    scheduler,
    intervalMs: config.versionIntervalMs,
    events: versionEventsToWebhooks(webhooks, logger, deps.versionEvents),
  })

  const digests = new DocumentDigests({
    storage,
    scheduler,
    now,
    logger,
    // Alone, a loaded room with nothing pending holds exactly what is stored. In a cluster it
    // may not yet hold what other servers stored, so digests read storage there.
    loadedDoc: cluster
      ? undefined
      : (docId) => {
          const room = rooms.loadedRoom(docId)
          return room && !room.isBroken && room.pending === 0 ? room.doc : null
        },
  })

  const revocations = new RevocationList(deps.revocationStore ?? stores.revocations)
  const auth = new Authenticator(createTokenService(config), revocations, config.allowedOrigins)
  const closeRevoked = () =>
    rooms.closeMatching((connection) => {
      const identity = connection.info.identity
      return identity !== null && revocations.isRevoked(identity, connection.info.docId)
    }, CloseCode.Forbidden)
  const policy = new UpgradePolicy({
    mode,
    auth,
    admission: new Admission(config),
    clientAddress: clientAddressResolver(config.trustedProxies),
    logger,
    onLimitHit,
  })

  const transport = new SyncTransport<Ticket>({
    logger,
    metrics,
    scheduler,
    maxMessageBytes: config.maxMessageBytes,
    heartbeatMs: config.heartbeatMs,
    keepaliveFrame: KEEPALIVE_FRAME,
    maxMessagesPerSecond: config.maxMessagesPerSecond,
    maxBytesPerSecond: config.maxBytesPerSecond,
    maxBufferedBytes: config.maxBufferedBytes,
    admit: (request) => policy.decide(request),
    abandon: (ticket) => policy.release(ticket),
    accept(socket, ticket) {
      const { docId, identity, address } = ticket
      const connection = rooms.connect(socket, {
        docId,
        remoteAddress: address,
        identity,
        canWrite: identity === null || roleCanWrite(identity.role),
      })
      const user = identity?.userId ?? null
      logger.debug({ docId, user, address, connection: connection.id }, 'connection opened')
      connection.onClose((reason) => {
        policy.release(ticket)
        const durationMs = Date.now() - connection.openedAt
        logger.debug({ docId, user, connection: connection.id, durationMs, code: reason.code, reason: reason.reason }, 'connection closed')
      })
      return connection
    },
  })

  const tokenApi = new TokenApi(auth)
  const handleRequest = createHttpRoutes({
    docsApi: new DocsApi({
      storage,
      rooms,
      auth,
      tokenApi,
      now,
      versionsApi: new VersionsApi({ storage, versions, auth }),
      filesApi: new FilesApi({
        storage,
        auth,
        now,
        maxUploadBytes: config.maxUploadBytes,
        allowPrivate: config.filesAllowPrivate,
        fetchTimeoutMs: REMOTE_IMAGE_TIMEOUT_MS,
      }),
      contentWriter: new ContentWriter({ rooms, seedLocks: new SeedLocks(storage) }),
    }),
    tokenApi,
    adminApi: new AdminApi({
      adminSecret: config.adminSecret ?? config.authSecret ?? null,
      revocations,
      closeRevoked,
      announce: cluster ? (revocation) => cluster.revoked(revocation) : undefined,
      now,
      openMode: !config.authSecret && !config.authPublicKeyFile,
      webhooks: webhooks?.admin ?? null,
    }),
    readiness: [
      { name: 'storage', check: () => storage.ping() },
      ...(cluster ? [{ name: 'redis', check: () => cluster.ping(), critical: false }] : []),
    ],
    metrics,
    logger,
  })
  const handleUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => transport.handleUpgrade(req, socket, head)
  const listener = new HttpListener({
    port: config.port,
    host: config.host,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    logger,
    handleRequest,
    handleUpgrade,
    onHandshakeTimeout: () => onLimitHit('handshake_timeout'),
  })
  const close = createShutdown({
    transport,
    listener,
    openConnections: () => rooms.openConnections(),
    commitQueue,
    compactor,
    storage,
    cluster,
    webhooks,
    drainSpreadMs: config.drainSpreadMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    scheduler,
    random,
    logger,
  })

  return {
    config,
    logger,
    storage,
    rooms,
    commitQueue,
    transport,
    metrics,
    auth,
    versions,
    digests,
    cluster,
    webhooks,
    handleRequest,
    handleUpgrade,
    async listen(fallbacks = {}) {
      await revocations.load()
      await webhooks?.start()
      // Digests missing or lost to a crash, and those of a database from before digests.
      digests.catchUp()
      return listener.listen(fallbacks)
    },
    async close() {
      // No automatic version starts once the shutdown has begun; one being saved finishes first.
      await versions.stop()
      await digests.stop()
      await close()
    },
  }
}

/** The webhook outbox lives in the documents' database; memory storage has none. */
async function openOutbox(storage: Storage): Promise<OutboxStore | null> {
  if (storage instanceof SqliteStorage) return new SqliteOutboxStore(storage.connection)
  if (storage instanceof MemoryStorage) return null
  // Loaded only for a storage that may be PostgreSQL: `pg` is not part of the others' start.
  const [{ PostgresStorage }, { PostgresOutboxStore }] = await Promise.all([
    import('./storage/postgres'),
    import('./webhooks/postgres-outbox'),
  ])
  return storage instanceof PostgresStorage ? new PostgresOutboxStore(storage.pool) : null
}

/**
 * With a Redis URL, this server joins the cluster of every server sharing its database (C2).
 * Redis not answering at start is not fatal: each server serves its own clients and catches up
 * from PostgreSQL until Redis answers (/readyz says "degraded" meanwhile).
 */
async function joinCluster(
  config: Config,
  storage: Storage,
  logger: Logger,
  scheduler: Scheduler,
  hooks: Pick<ClusterOptions, 'onRevoked' | 'onReconnected'>,
): Promise<Cluster | null> {
  if (!config.redisUrl) return null
  if (!isSequenced(storage)) throw new Error('a cluster (TANDEM_REDIS_URL) needs PostgreSQL storage (TANDEM_DATABASE_URL)')
  const cluster = new Cluster({ storage, logger, scheduler, ...hooks })
  // Loaded only with a Redis URL: ioredis is the slowest module to load and a lone server never uses it.
  const { RedisBus } = await import('./cluster/redis-bus')
  const bus = new RedisBus(
    config.redisUrl,
    { onMessage: (channel, message) => cluster.receive(channel, message), onReconnected: () => cluster.reconnected() },
    logger,
  )
  try {
    await bus.connect()
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      'Redis did not answer at start: serving alone and catching up from PostgreSQL until it does',
    )
  }
  await cluster.start(bus)
  logger.info({ instance: cluster.instanceId }, 'joined the cluster')
  return cluster
}
