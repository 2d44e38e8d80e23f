import { type Config, parseConfig } from '../../server/config'
import { createTandemServer, type ServerDeps, type TandemServer } from '../../server/create-server'
import { ManualClock, settleWithClock } from './manual-clock'
import { makeTempDir, removeDir } from './temp-dir'

export interface RunningServer {
  readonly server: TandemServer
  /** http://127.0.0.1:PORT */
  readonly httpUrl: string
  /** ws://127.0.0.1:PORT */
  readonly wsUrl: string
  readonly dataDir: string
  stop(): Promise<void>
}

/** Test settings: port 0 on loopback, a temp data dir, quiet logs; override anything. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}, dataDir = makeTempDir()): Config {
  const env: Record<string, string> = {
    PORT: '0',
    TANDEM_HOST: '127.0.0.1',
    TANDEM_DATA_DIR: dataDir,
    TANDEM_LOG_LEVEL: process.env.TANDEM_TEST_LOG_LEVEL ?? 'silent',
    // Tests stop servers often; the jittered drain is tested on its own.
    TANDEM_DRAIN_SPREAD_MS: '0',
  }
  const flags = Object.entries(overrides).flatMap(([key, value]) => [`--${kebab(key)}`, String(value)])
  return parseConfig(flags, env)
}

function kebab(key: string): string {
  const special: Record<string, string> = { compactAfterUpdates: 'compact-after', maxBacklogMessages: 'max-backlog' }
  return special[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/** Starts a real server (real HTTP, real WebSockets) in this process. */
export async function startServer(
  overrides: Partial<Record<keyof Config, string>> = {},
  deps: ServerDeps = {},
  dataDir = makeTempDir(),
): Promise<RunningServer> {
  const config = testConfig(overrides, dataDir)
  const server = await createTandemServer(config, deps)
  const address = await server.listen()
  return {
    server,
    httpUrl: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}`,
    dataDir,
    async stop() {
      // On a manual clock the shutdown's timers (drain, close grace) run only as time moves.
      const closing = server.close()
      await (deps.scheduler instanceof ManualClock ? settleWithClock(deps.scheduler, closing) : closing)
    },
  }
}

export { removeDir }
