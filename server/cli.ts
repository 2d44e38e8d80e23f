import { ConfigError, configHelp, parseConfig } from './config'
import { createTandemServer } from './create-server'
import { exitOnSignals } from './shutdown'

/** `npm run server`: the sync server alone, for stock y-websocket clients. */
async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(configHelp('npm run server --'))
    return
  }
  let config
  try {
    config = parseConfig(argv, process.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(2)
  }
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
