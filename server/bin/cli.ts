import { configFromCommandLine } from '../config'
import { createTandemServer } from '../create-server'
import { createLogger } from '../log'
import { exitOnSignals } from '../shutdown'
import { printBanner, syncServerBanner } from './banner'
import { runEntryPoint } from './run'

/** `npm run server`: the sync server alone, for stock y-websocket clients. */
async function main(argv: string[]): Promise<void> {
  const config = configFromCommandLine(argv, process.env, 'npm run server --')
  if (!config) return
  const logger = createLogger(config.logLevel, config.logFormat)
  const server = await createTandemServer(config, { mode: 'standalone', logger })
  exitOnSignals(server)
  const address = await server.listen()
  printBanner(syncServerBanner(config, address), logger, config.logFormat)
}

runEntryPoint(() => main(process.argv.slice(2)))
