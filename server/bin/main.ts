import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { configFromCommandLine } from '../config'
import { createTandemServer } from '../create-server'
import { embedOrigins, withEmbedPolicy } from '../http/embed-policy'
import { createLogger } from '../log'
import { exitOnSignals } from '../shutdown'
import { appBanner, printBanner } from './banner'
import { runEntryPoint } from './run'

/**
 * `npm start` (and `npm run dev` with --dev): one process, one port — the Next.js app, the
 * sync endpoint at /collab/<docId>, /api/* and the health routes.
 */
async function main(argv: string[]): Promise<void> {
  const dev = argv.includes('--dev')
  const flags = argv.filter((arg) => arg !== '--dev')
  const config = configFromCommandLine(flags, process.env, 'npm start --')
  if (!config) return
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  const logger = createLogger(config.logLevel, config.logFormat)
  // Storage first: a data directory in use is refused at once, before a build or Next's start.
  const server = await createTandemServer(config, { mode: 'app', logger })
  // Next reads this when it starts (and `next build` inherits it): no usage reports sent.
  process.env.NEXT_TELEMETRY_DISABLED = '1'
  // Loaded only now, after the variable is set, and never for --help or a refusal.
  const { ensureBuild, prepareNextApp } = await import('./next-app')
  if (!dev) ensureBuild(root, logger)
  const nextApp = await prepareNextApp({ dir: root, dev, hostname: config.host, port: config.port })
  exitOnSignals(server, () => nextApp.close())
  const origins = embedOrigins({ embedOrigins: config.embedOrigins, authEnabled: Boolean(config.authSecret || config.authPublicKeyFile) })
  const address = await server.listen({ request: withEmbedPolicy(origins, nextApp.request), upgrade: nextApp.upgrade })
  printBanner(appBanner(config, address, dev), logger, config.logFormat)
}

runEntryPoint(() => main(process.argv.slice(2)))
