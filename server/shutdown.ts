import type { TandemServer } from './create-server'

/**
 * SIGTERM / SIGINT: stop accepting, store what is pending, close clients with 1001, exit 0.
 * A second signal while stopping exits at once (exit code 1).
 */
export function exitOnSignals(server: TandemServer, beforeExit: () => Promise<void> = async () => {}): void {
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.logger.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    stopping = true
    server.logger.info({ signal }, 'shutting down')
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
