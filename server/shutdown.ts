import type { TandemServer } from './create-server'

/**
 * SIGTERM / SIGINT: stop accepting, store what is pending, close clients with 1001 (spread
 * over the drain window), exit 0 — within `shutdownTimeoutMs` whatever happens (exit 1 if the
 * deadline cuts it short). A second signal while stopping exits at once (exit code 1).
 */
export function exitOnSignals(server: TandemServer, beforeExit: () => Promise<void> = async () => {}): void {
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
