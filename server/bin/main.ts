import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { configFromCommandLine } from '../config'
import { createTandemServer } from '../create-server'
import { createLogger } from '../log'
import { exitOnSignals } from '../shutdown'
import { ensureBuild, prepareNextApp } from './next-app'

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
  const logger = createLogger(config.logLevel)
  if (!dev) ensureBuild(root, logger)
  const nextApp = await prepareNextApp({ dir: root, dev, hostname: config.host, port: config.port })
  const server = createTandemServer(config, { mode: 'app', logger })
  exitOnSignals(server, () => nextApp.close())
  const address = await server.listen({ request: nextApp.request, upgrade: nextApp.upgrade })
  const shownHost = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(address.address) ? 'localhost' : address.address
  console.log(`Tandem is running at http://${shownHost}:${address.port}${dev ? ' (dev mode)' : ''}`)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
