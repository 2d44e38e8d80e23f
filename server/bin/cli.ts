import { configFromCommandLine } from '../config'
import { createTandemServer } from '../create-server'
import { exitOnSignals } from '../shutdown'

/** `npm run server`: the sync server alone, for stock y-websocket clients. */
async function main(argv: string[]): Promise<void> {
  const config = configFromCommandLine(argv, process.env, 'npm run server --')
  if (!config) return
  const server = createTandemServer(config, { mode: 'standalone' })
  exitOnSignals(server)
  const address = await server.listen()
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  console.log(
    `Tandem sync server on ws://${host}:${address.port} — documents at /<docId> and /collab/<docId>, ` +
      `storage: ${config.storage}${config.storage === 'sqlite' ? ` in ${config.dataDir}` : ''}`,
  )
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
