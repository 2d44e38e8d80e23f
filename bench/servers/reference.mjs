/**
 * Anchor: the reference y-websocket server, @y/websocket-server 0.1.1. This is its bin
 * (src/server.js) line for line, except that it listens on a port chosen by the OS, prints
 * `LISTENING <port>`, and uses the repository's `ws` 8.23 (the same as Tandem, Hocuspocus and
 * the bare relay) instead of the package's nested `ws` 6. Persistence is the package's own:
 * YPERSISTENCE=<dir> selects LevelDB (y-leveldb); unset, documents live in memory.
 */
import http from 'node:http'
import { setupWSConnection } from '@y/websocket-server/utils'
import { WebSocketServer } from 'ws'

const wss = new WebSocketServer({ noServer: true })
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' })
  response.end('okay')
})

wss.on('connection', setupWSConnection)

server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => {
    wss.emit('connection', ws, request)
  })
})

server.listen(0, '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`)
})
