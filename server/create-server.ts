import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { CloseCode, isValidDocId } from '../lib/protocol'
import { AuthError } from './auth/auth-error'
import { Authenticator } from './auth/authenticator'
import { type Identity, roleCanWrite } from './auth/claims'
import { RevocationList } from './auth/revocations'
import { TokenService } from './auth/tokens'
import type { Config } from './config'
import { tandemRoomPolicy } from './documents/room-policy'
import { AdminApi } from './http/admin-api'
import { clientAddress } from './http/client-address'
import { DocsApi } from './http/docs-api'
import { createHttpRoutes } from './http/router'
import { TokenApi } from './http/token-api'
import { Admission } from './limits/admission'
import { createLogger, type Logger } from './log'
import { Metrics } from './metrics'
import { CommitQueue } from './rooms/commit-queue'
import { Compactor } from './rooms/compactor'
import { RoomManager } from './rooms/room-manager'
import { MemoryStorage } from './storage/memory'
import { SqliteStorage } from './storage/sqlite'
import type { Storage } from './storage/storage'
import { rejectUpgrade, SyncTransport, type UpgradeRefusal } from './transport/websocket'

/**
 * Composition root: config and dependencies in, a running sync server out. Nothing here is
 * module-global, so tests start as many servers in one process as they like.
 *
 * `mode` decides which upgrade paths are the sync server's: standalone serves documents at
 * /<docId> and /collab/<docId>; inside the app only /collab/<docId> (everything else is Next's).
 */
export interface ServerDeps {
  readonly storage?: Storage
  readonly logger?: Logger
  readonly mode?: 'standalone' | 'app'
  readonly now?: () => number
  /** Randomness for the drain jitter (tests make it deterministic). */
  readonly random?: () => number
}

export type RequestFallback = (req: http.IncomingMessage, res: http.ServerResponse) => void
export type UpgradeFallback = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void

export interface TandemServer {
  readonly config: Config
  readonly logger: Logger
  readonly storage: Storage
  readonly rooms: RoomManager
  readonly commitQueue: CommitQueue
  readonly transport: SyncTransport<Ticket>
  readonly metrics: Metrics
  readonly auth: Authenticator
  /** Serves /healthz, /readyz, /metrics and /api/*; false for any other path. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean
  /** Takes the upgrade when its path is a sync path; false otherwise. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Creates the HTTP server, listens on config.port/host, resolves with the bound address. */
  listen(fallbacks?: { request?: RequestFallback; upgrade?: UpgradeFallback }): Promise<AddressInfo>
  /**
   * Graceful stop: refuse new work, store what is pending, close clients with 1001 spread over
   * `drainSpreadMs`, close storage.
   */
  close(): Promise<void>
}

/** What an admitted upgrade carries into its connection. */
interface Ticket {
  readonly docId: string
  readonly identity: Identity | null
  readonly address: string
}

export function createStorage(config: Config): Storage {
  switch (config.storage) {
    case 'memory':
      return new MemoryStorage()
    case 'sqlite':
      return new SqliteStorage({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous })
  }
}

function createTokenService(config: Config): TokenService | null {
  if (config.authSecret) return new TokenService({ kind: 'secret', secret: config.authSecret })
  if (config.authPublicKeyFile) {
    const pem = fs.readFileSync(config.authPublicKeyFile, 'utf8')
    return new TokenService({ kind: 'public-key', pem, algorithm: config.authAlgorithm })
  }
  return null
}

export function createTandemServer(config: Config, deps: ServerDeps = {}): TandemServer {
  const logger = deps.logger ?? createLogger(config.logLevel)
  const storage = deps.storage ?? createStorage(config)
  const mode = deps.mode ?? 'standalone'
  const now = deps.now ?? Date.now
  const random = deps.random ?? Math.random

  const commitQueue = new CommitQueue({ storage, logger, now })
  const compactor = new Compactor(storage, logger)
  let rooms: RoomManager
  const metrics = new Metrics({
    connections: () => rooms.connectionCount,
    documentsLoaded: () => rooms.loadedRooms,
    pendingUpdates: () => rooms.pendingUpdates,
  })
  commitQueue.onBatchCommitted = (size, ms) => metrics.committed(size, ms)
  compactor.onCompacted = () => metrics.compacted()
  const onLimitHit = (kind: string) => metrics.limitHit(kind)
  rooms = new RoomManager({
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
  })

  const tokens = createTokenService(config)
  const revocations = new RevocationList(storage)
  const auth = new Authenticator(tokens, revocations, config.allowedOrigins)
  const admission = new Admission(config)

  function docIdOf(request: http.IncomingMessage): string | null | undefined {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    let docId: string
    if (path === '/collab' || path.startsWith('/collab/')) docId = path.slice('/collab/'.length)
    else if (mode === 'standalone') docId = path.slice(1)
    else return undefined
    return isValidDocId(docId) ? docId : null
  }

  async function admitUpgrade(request: http.IncomingMessage, docId: string): Promise<Ticket | UpgradeRefusal> {
    let identity: Identity | null
    try {
      identity = await auth.authorizeConnection(request, docId)
    } catch (err) {
      if (!(err instanceof AuthError)) throw err
      logger.info({ docId, reason: err.failure }, 'connection refused')
      return { status: err.status, message: err.message, reason: err.failure }
    }
    const address = clientAddress(request, config.trustedProxies)
    const refusal = admission.admit(address, docId)
    if (refusal) {
      metrics.limitHit(refusal.kind)
      logger.warn({ docId, address, limit: refusal.kind }, 'connection refused: limit reached')
      return { status: refusal.status, message: refusal.message, reason: refusal.kind }
    }
    return { docId, identity, address }
  }

  const transport = new SyncTransport<Ticket>({
    logger,
    metrics,
    maxMessageBytes: config.maxMessageBytes,
    heartbeatMs: config.heartbeatMs,
    maxMessagesPerSecond: config.maxMessagesPerSecond,
    maxBytesPerSecond: config.maxBytesPerSecond,
    maxBufferedBytes: config.maxBufferedBytes,
    admit(request) {
      const docId = docIdOf(request)
      if (docId === undefined) return null
      if (docId === null) {
        return {
          status: 400,
          message: 'invalid document id: 1–128 characters of A–Z a–z 0–9 _ - . (not . or ..)',
          reason: 'invalid_document_id',
        }
      }
      return admitUpgrade(request, docId)
    },
    accept(socket, ticket) {
      const { docId, identity, address } = ticket
      const connection = rooms.connect(socket, {
        docId,
        remoteAddress: address,
        identity,
        canWrite: identity === null || roleCanWrite(identity.role),
      })
      const user = identity?.userId ?? null
      logger.info({ docId, user, address, connection: connection.id }, 'connection opened')
      connection.onClose((reason) => {
        admission.release(address, docId)
        const durationMs = Date.now() - connection.openedAt
        logger.info({ docId, user, connection: connection.id, durationMs, code: reason.code, reason: reason.reason }, 'connection closed')
      })
      return connection
    },
  })

  const tokenApi = new TokenApi(auth)
  const handleRequest = createHttpRoutes({
    docsApi: new DocsApi({ storage, rooms, auth, tokenApi, now }),
    tokenApi,
    adminApi: new AdminApi({ adminSecret: config.adminSecret ?? config.authSecret ?? null, revocations, rooms, storage, now }),
    readiness: [{ name: 'storage', check: () => storage.ping() }],
    metrics,
    logger,
  })
  let httpServer: http.Server | null = null
  let closing: Promise<void> | null = null

  if (!auth.enabled) {
    logger.warn(
      'OPEN MODE: no TANDEM_AUTH_SECRET or TANDEM_AUTH_PUBLIC_KEY_FILE is set, so anyone who can reach this ' +
        'server can read, edit and delete every document. Set one before exposing it to a network.',
    )
  }

  /** Closes every connection with 1001, each at a random moment within the spread window. */
  async function drainConnections(): Promise<void> {
    const spread = Math.min(config.drainSpreadMs, config.shutdownTimeoutMs / 2)
    const closes = rooms.openConnections().map(
      (connection) =>
        new Promise<void>((resolve) => {
          setTimeout(() => {
            connection.close(CloseCode.GoingAway)
            resolve()
          }, random() * spread)
        }),
    )
    await Promise.all(closes)
  }

  async function shutdown(): Promise<void> {
    const started = Date.now()
    transport.stopAccepting()
    httpServer?.close()
    await commitQueue.flushNow()
    await drainConnections()
    await rooms.closeAll(CloseCode.GoingAway)
    await transport.close(Math.max(100, config.shutdownTimeoutMs - (Date.now() - started) - 500))
    await compactor.stop()
    await commitQueue.flushNow()
    httpServer?.closeAllConnections()
    await storage.close()
    logger.info({ ms: Date.now() - started }, 'server stopped')
  }

  return {
    config,
    logger,
    storage,
    rooms,
    commitQueue,
    transport,
    metrics,
    auth,
    handleRequest,
    handleUpgrade: (req, socket, head) => transport.handleUpgrade(req, socket, head),
    async listen(fallbacks = {}) {
      await revocations.load()
      // Node checks the deadlines below only every connectionsCheckingInterval.
      const checkEvery = Math.max(50, Math.min(1_000, Math.floor(config.handshakeTimeoutMs / 4)))
      const server = http.createServer({ connectionsCheckingInterval: checkEvery }, (req, res) => {
        if (handleRequest(req, res)) return
        if (fallbacks.request) return fallbacks.request(req, res)
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }))
      })
      // Slowloris: a request (or upgrade) must arrive complete within the handshake deadline.
      server.headersTimeout = config.handshakeTimeoutMs
      server.requestTimeout = Math.max(config.handshakeTimeoutMs, 30_000)
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
        // Node's own answers, kept; the handshake deadline is a limit, so it is counted.
        if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
          metrics.limitHit('handshake_timeout')
          logger.info('closing a connection that did not complete its request in time')
        }
        if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') return void socket.destroy()
        const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request'
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`)
      })
      server.on('upgrade', (req, socket, head) => {
        if (transport.handleUpgrade(req, socket, head)) return
        if (fallbacks.upgrade) return fallbacks.upgrade(req, socket, head)
        rejectUpgrade(socket, 404, 'not found')
      })
      httpServer = server
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(config.port, config.host, () => {
          server.off('error', reject)
          resolve(server.address() as AddressInfo)
        })
      })
    },
    close() {
      closing ??= shutdown()
      return closing
    },
  }
}
