/**
 * The floor: a `ws` room broadcast with no Yjs at all. Every binary message is relayed, byte
 * for byte, to the other sockets of the same URL path; a sync step 1 (`00 00 …`) is answered
 * with an empty sync step 2 (`00 01 02 00 00`) instead, so clients count themselves synced.
 * Prints `LISTENING <port>`; SIGTERM stops it.
 *
 * With BARE_SYNC_STEP2_FILE=<file> (the join storm's floor) sync step 1 is answered with a
 * step 2 carrying that file's bytes, framed once at start: the least work a server can do to
 * hand a document to a joining client.
 */
import fs from 'node:fs'
import http from 'node:http'
import { WebSocket, WebSocketServer } from 'ws'

function syncStep2(update) {
  const length = []
  let n = update.length
  while (n > 0x7f) {
    length.push(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  length.push(n)
  return Buffer.concat([Buffer.from([0, 1, ...length]), update])
}

const SYNC_STEP_2 = process.env.BARE_SYNC_STEP2_FILE
  ? syncStep2(fs.readFileSync(process.env.BARE_SYNC_STEP2_FILE))
  : Buffer.from([0, 1, 2, 0, 0])
/** @type {Map<string, Set<WebSocket>>} */
const rooms = new Map()

const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' })
  response.end('okay')
})
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false })

wss.on('connection', (ws, request) => {
  const name = (request.url ?? '/').split('?')[0]
  let peers = rooms.get(name)
  if (!peers) {
    peers = new Set()
    rooms.set(name, peers)
  }
  peers.add(ws)
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return
    if (data.length >= 2 && data[0] === 0 && data[1] === 0) {
      ws.send(SYNC_STEP_2)
      return
    }
    for (const peer of peers) {
      if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(data)
    }
  })
  ws.on('error', () => {})
  ws.on('close', () => {
    peers.delete(ws)
    if (peers.size === 0) rooms.delete(name)
  })
})

server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
})

server.listen(0, '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`)
})

const stop = () => {
  wss.close()
  server.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
