/**
 * Anchor: @hocuspocus/server 3.4.4 as its README sets it up, optionally with
 * @hocuspocus/extension-sqlite on a file (`--sqlite <file>`). Prints `LISTENING <port>`.
 * Run by bench/targets/hocuspocus*.ts as its own process (plain node, as it is deployed);
 * SIGTERM stops it (Hocuspocus' own signal handler).
 */
import { Server } from '@hocuspocus/server'

const sqliteIndex = process.argv.indexOf('--sqlite')
const extensions = []
if (sqliteIndex !== -1) {
  const { SQLite } = await import('@hocuspocus/extension-sqlite')
  extensions.push(new SQLite({ database: process.argv[sqliteIndex + 1] }))
}
const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, extensions })
await server.listen()
console.log(`LISTENING ${server.address.port}`)
