import type { Logger } from 'pino'
import { CloseCode, type CloseReason } from '../lib/protocol'
import type { Scheduler } from './scheduler'

/** What the shutdown sequence stops, in the order it stops them. */
export interface ShutdownParts {
  readonly transport: { stopAccepting(): void; close(graceMs: number): Promise<void> }
  readonly listener: { stopListening(): void; closeAllConnections(): void }
  /** Every open connection, joined to its room or still waiting for its document. */
  openConnections(): ReadonlyArray<{ close(reason: CloseReason): void }>
  readonly commitQueue: { flushNow(): Promise<void> }
  readonly compactor: { stop(): Promise<void> }
  readonly storage: { close(): Promise<void> }
  /** This server's part in a cluster, if any: it says goodbye before storage closes. */
  readonly cluster?: { stop(): Promise<void> } | null
  /** The webhook dispatcher: stops claiming before storage closes (the outbox keeps the rest). */
  readonly webhooks?: { close(): Promise<void> } | null
  readonly drainSpreadMs: number
  readonly shutdownTimeoutMs: number
  readonly scheduler: Scheduler
  /** Draws each connection's moment in the drain window (tests make it deterministic). */
  readonly random: () => number
  readonly logger: Logger
}

/**
 * The one shutdown sequence (S1, S3, U3). The returned function runs it once; later calls
 * return the same promise.
 *
 *  1. Stop accepting: upgrades get 503 from now on, the listener takes no new connections.
 *  2. Store what is pending, so every update received before the stop is stored (and echoed)
 *     before anyone is closed.
 *  3. Drain: close each connection with 1001 at its own random moment within the spread
 *     window; until then it is served normally and its updates are stored.
 *  4. Close the transport: sockets still closing get the rest of the deadline to finish their
 *     handshake, then are cut.
 *  5. Stop the compactor, then store whatever arrived during the drain (a client's last
 *     frames, API calls), cutting a retry backoff short.
 *  6. Cut the remaining HTTP connections, leave the cluster (the other servers drop this
 *     one's presence at once) and close storage.
 */
export function createShutdown(parts: ShutdownParts): () => Promise<void> {
  let running: Promise<void> | null = null
  return () => {
    running ??= shutdown(parts)
    return running
  }
}

async function shutdown(parts: ShutdownParts): Promise<void> {
  const { transport, listener, commitQueue, scheduler, shutdownTimeoutMs } = parts
  const started = scheduler.now()
  transport.stopAccepting()
  listener.stopListening()
  await commitQueue.flushNow()
  await drain(parts)
  // Leave half a second of the deadline for the steps after this one.
  await transport.close(Math.max(100, shutdownTimeoutMs - (scheduler.now() - started) - 500))
  await parts.compactor.stop()
  await commitQueue.flushNow()
  listener.closeAllConnections()
  await parts.cluster?.stop()
  await parts.webhooks?.close()
  await parts.storage.close()
  parts.logger.info({ ms: Math.round(scheduler.now() - started) }, 'server stopped')
}

/** Closes every connection with 1001, each at a random moment within the spread window. */
async function drain(parts: ShutdownParts): Promise<void> {
  const spread = Math.min(parts.drainSpreadMs, parts.shutdownTimeoutMs / 2)
  const closes = parts.openConnections().map(
    (connection) =>
      new Promise<void>((resolve) => {
        parts.scheduler.delay(parts.random() * spread, () => {
          connection.close(CloseCode.GoingAway)
          resolve()
        })
      }),
  )
  await Promise.all(closes)
}

/** What `exitOnSignals` needs of a server. */
export interface StoppableServer {
  readonly logger: Logger
  readonly config: { readonly shutdownTimeoutMs: number }
  readonly rooms: { readonly pendingUpdates: number }
  close(): Promise<void>
}

/**
 * SIGTERM / SIGINT: runs the shutdown sequence (`server.close()`), then `beforeExit`, and
 * exits 0 — within `shutdownTimeoutMs` whatever happens (exit 1 if the deadline cuts it
 * short). A second signal while stopping exits at once (exit code 1).
 */
export function exitOnSignals(server: StoppableServer, beforeExit: () => Promise<void> = async () => {}): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.logger.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    stopping = true
    server.logger.info({ signal, deadlineMs: server.config.shutdownTimeoutMs }, 'shutting down')
    setTimeout(() => {
      server.logger.error({ pendingUpdates: server.rooms.pendingUpdates }, 'shutdown deadline reached: exiting now')
      process.exit(1)
    }, server.config.shutdownTimeoutMs).unref()
    server
      .close()
      .then(beforeExit)
      .then(
        () => process.exit(0),
        (err: unknown) => {
          server.logger.error({ err }, 'shutdown failed')
          process.exit(1)
        },
      )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
