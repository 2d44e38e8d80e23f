import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { CloseCode, isValidDocId } from '../lib/protocol'
import type { Config } from './config'
import { DocsApi } from './http/docs-api'
import { createHttpRoutes } from './http/router'
import { createLogger, type Logger } from './log'
import { CommitQueue } from './rooms/commit-queue'
import { Compactor } from './rooms/compactor'
import { RoomManager } from './rooms/room-manager'
import { MemoryStorage } from './storage/memory'
import { SqliteStorage } from './storage/sqlite'
import type { Storage } from './storage/storage'
import { SyncTransport, rejectUpgrade } from './transport/websocket'

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
}

export type RequestFallback = (req: http.IncomingMessage, res: http.ServerResponse) => void
export type UpgradeFallback = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void

export interface TandemServer {
  readonly config: Config
  readonly logger: Logger
  readonly storage: Storage
  readonly rooms: RoomManager
  readonly commitQueue: CommitQueue
  readonly transport: SyncTransport
  /** Serves /healthz, /readyz and /api/*; false for any other path. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean
  /** Takes the upgrade when its path is a sync path; false otherwise. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Creates the HTTP server, listens on config.port/host, resolves with the bound address. */
  listen(fallbacks?: { request?: RequestFallback; upgrade?: UpgradeFallback }): Promise<AddressInfo>
  /** Graceful stop: refuse new work, store what is pending, close clients with 1001. */
  close(): Promise<void>
}

export function createStorage(config: Config): Storage {
  switch (config.storage) {
    case 'memory':
      return new MemoryStorage()
    case 'sqlite':
      return new SqliteStorage({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous })
  }
}

export function createTandemServer(config: Config, deps: ServerDeps = {}): TandemServer {
  const logger = deps.logger ?? createLogger(config.logLevel)
  const storage = deps.storage ?? createStorage(config)
  const mode = deps.mode ?? 'standalone'
  const now = deps.now ?? Date.now
  const commitQueue = new CommitQueue({ storage, logger, now })
  const compactor = new Compactor(storage, logger)
  const rooms = new RoomManager({
    storage,
    commitQueue,
    compactor,
    logger,
    compactAfterUpdates: config.compactAfterUpdates,
    maxBacklogMessages: config.maxBacklogMessages,
  })
  const transport = new SyncTransport({
    logger,
    maxMessageBytes: config.maxMessageBytes,
    heartbeatMs: config.heartbeatMs,
    route(request) {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname
      let docId: string
      if (path === '/collab' || path.startsWith('/collab/')) docId = path.slice('/collab/'.length)
      else if (mode === 'standalone') docId = path.slice(1)
      else return null
      if (!isValidDocId(docId)) {
        return { status: 400, message: 'invalid document id: 1–128 characters of A–Z a–z 0–9 _ - . (not . or ..)' }
      }
      return { docId }
    },
    accept(socket, target, request) {
      return rooms.connect(socket, {
        docId: target.docId,
        remoteAddress: request.socket.remoteAddress ?? 'unknown',
        canWrite: true,
      })
    },
  })
  const handleRequest = createHttpRoutes({ docsApi: new DocsApi({ storage, rooms, now }), storage, logger })
  let httpServer: http.Server | null = null
  let closing: Promise<void> | null = null

  async function shutdown(): Promise<void> {
    transport.stopAccepting()
    httpServer?.close()
    await rooms.closeAll(CloseCode.GoingAway)
    await transport.close(2_000)
    await compactor.stop()
    await commitQueue.flushNow()
    httpServer?.closeAllConnections()
    await storage.close()
    logger.info('server stopped')
  }

  return {
    config,
    logger,
    storage,
    rooms,
    commitQueue,
    transport,
    handleRequest,
    handleUpgrade: (req, socket, head) => transport.handleUpgrade(req, socket, head),
    listen(fallbacks = {}) {
      const server = http.createServer((req, res) => {
        if (handleRequest(req, res)) return
        if (fallbacks.request) return fallbacks.request(req, res)
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }))
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
