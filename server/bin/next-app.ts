import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import next from 'next'
import type { RequestFallback, UpgradeFallback } from '../create-server'
import type { Logger } from '../log'

/**
 * The Next.js half of `npm start`: builds the app when no build exists (so a fresh clone
 * needs no separate build step), prepares it, and exposes its request and upgrade handlers.
 */
export interface NextApp {
  readonly request: RequestFallback
  readonly upgrade: UpgradeFallback
  close(): Promise<void>
}

export function ensureBuild(dir: string, logger: Logger): void {
  if (fs.existsSync(path.join(dir, '.next', 'BUILD_ID'))) return
  logger.info('no production build found: running `next build` once (about half a minute)')
  const require = createRequire(import.meta.url)
  const nextBin = require.resolve('next/dist/bin/next')
  const result = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: dir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    // The build's progress is for a person: it goes to stderr, so stdout holds only the logs
    // (pure JSON lines when a collector reads them).
    stdio: ['ignore', 2, 'inherit'],
  })
  if (result.status !== 0) throw new Error(`next build failed with exit code ${result.status}`)
}

export async function prepareNextApp(options: { dir: string; dev: boolean; hostname: string; port: number }): Promise<NextApp> {
  if (!options.dev) {
    // Names the offline shell's caches after this build (app/sw.js/route.ts).
    process.env.TANDEM_BUILD_ID = fs.readFileSync(path.join(options.dir, '.next', 'BUILD_ID'), 'utf8').trim()
  }
  const app = next({ dev: options.dev, dir: options.dir, hostname: options.hostname, port: options.port })
  await app.prepare()
  const handle = app.getRequestHandler()
  // Only after prepare(): Next's upgrade handler serves HMR in dev. In dev Next also adds its
  // own 'upgrade' listener on the first request, so other paths are left for it untouched.
  const upgradeHandler = app.getUpgradeHandler()
  return {
    request: (req, res) => void handle(req, res),
    upgrade: (req, socket, head) => {
      if (options.dev) return
      void upgradeHandler(req, socket, head)
    },
    close: () => app.close(),
  }
}
