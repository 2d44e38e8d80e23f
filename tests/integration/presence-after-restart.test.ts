import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createConnection, type TandemConnection } from '../../lib/client/connection'
import { CloseCode } from '../../lib/protocol'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/** lib/client's connection against the real server, across a server restart. */
let server: RunningServer | null = null
const connections: TandemConnection[] = []
const dataDir = makeTempDir('tandem-presence-restart-')
afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy()
  await server?.stop()
  server = null
  removeDir(dataDir)
})

function connect(url: string, name: string): TandemConnection {
  const connection = createConnection({
    docId: 'restart',
    serverUrl: `${url}/collab`,
    user: { name, color: '#2563eb' },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  })
  connections.push(connection)
  return connection
}

const othersSeenBy = (c: TandemConnection) =>
  c.peers.value
    .filter((peer) => !peer.isLocal)
    .map((peer) => peer.name)
    .sort()

describe('who is online, after connections drop', () => {
  it('two people who change nothing see each other again once both are back', async () => {
    server = await startServer({}, {}, dataDir)
    const port = new URL(server.wsUrl).port
    const ada = connect(server.wsUrl, 'Ada')
    const grace = connect(server.wsUrl, 'Grace')
    await waitFor(() => othersSeenBy(ada).includes('Grace') && othersSeenBy(grace).includes('Ada'), 'both see each other')

    await server.stop()
    await waitFor(() => ada.status.value === 'offline' && grace.status.value === 'offline', 'both notice the server is gone')
    // Losing the server, each page drops the others' presence (the server forgets it too).
    expect(othersSeenBy(ada)).toEqual([])

    server = await startServer({ port }, {}, dataDir)
    await waitFor(() => ada.status.value === 'connected' && grace.status.value === 'connected', 'both reconnect', 10_000)
    // Neither touched their presence meanwhile: without announcing themselves anew, each one's
    // state would come back at the clock the other already saw, and be ignored as old news.
    await waitFor(() => othersSeenBy(ada).includes('Grace') && othersSeenBy(grace).includes('Ada'), 'both see each other again')
  })

  it('[A2] when the server drops both sockets and stays up, both see each other again after reconnecting', async () => {
    server = await startServer({}, {}, dataDir)
    const ada = connect(server.wsUrl, 'Ada')
    const grace = connect(server.wsUrl, 'Grace')
    await waitFor(() => othersSeenBy(ada).includes('Grace') && othersSeenBy(grace).includes('Ada'), 'both see each other')
    // The server removes each closed connection's presence and remembers it as gone: the
    // clients' next announcement must be one it takes as newer.
    for (const connection of server.server.rooms.openConnections()) connection.close(CloseCode.TryAgainLater)
    await waitFor(() => ada.status.value !== 'connected' && grace.status.value !== 'connected', 'both notice the close')
    await waitFor(() => ada.status.value === 'connected' && grace.status.value === 'connected', 'both reconnect', 10_000)
    await waitFor(() => othersSeenBy(ada).includes('Grace') && othersSeenBy(grace).includes('Ada'), 'both see each other again')
    expect(server.server.rooms.loadedRoom('restart')?.presence.states().size).toBe(2)
  })
})
