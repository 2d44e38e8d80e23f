import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createConnection, type TandemConnection } from '../../lib/client/connection'
import { type RunningServer, startServer } from '../helpers/server'
import { removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/**
 * lib/client's connection against the real server: after the reader's own reconnect, the
 * people who stayed are back in their presence at once (not at their next 15-second renewal),
 * and the activity feed says nothing about them.
 */
let server: RunningServer | null = null
const connections: TandemConnection[] = []
afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy()
  if (server) {
    await server.stop()
    removeDir(server.dataDir)
    server = null
  }
})

function connect(url: string, name: string, id: string): TandemConnection {
  const connection = createConnection({
    docId: 'own-reconnect',
    serverUrl: `${url}/collab`,
    user: { name, color: '#0e7caf', id },
    localCopy: false,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  })
  connections.push(connection)
  return connection
}

const sees = (c: TandemConnection, name: string) => c.peers.value.some((peer) => !peer.isLocal && peer.name === name)

describe('my own reconnect', () => {
  it('brings back an idle person before they renew their presence, with no feed entry about them', async () => {
    server = await startServer()
    const ada = connect(server.wsUrl, 'Ada', 'ada')
    const grace = connect(server.wsUrl, 'Grace', 'grace')
    await waitFor(() => sees(ada, 'Grace') && sees(grace, 'Ada') && ada.synced.value, 'both see each other')
    const aboutPeople = () => ada.activity.value.filter((entry) => entry.name !== undefined).map((entry) => [entry.kind, entry.name])
    const feedBefore = aboutPeople()
    // Grace's presence clock: it moves when she renews or changes her state.
    const graceClock = () => grace.awareness.meta.get(grace.awareness.clientID)?.clock
    const clockBefore = graceClock()

    ada.reconnect()
    await waitFor(() => !sees(ada, 'Grace'), 'the provider dropped the others with the socket')
    await waitFor(() => ada.status.value === 'connected' && ada.synced.value && sees(ada, 'Grace'), 'Ada sees Grace again', 10_000)

    // Grace never announced anything new: Ada took the state the server had for her.
    expect(graceClock()).toBe(clockBefore)
    // Ada's own offline moment is in the feed; nobody left or joined.
    expect(ada.activity.value.slice(0, 2).map((entry) => entry.kind)).toEqual(['online', 'offline'])
    expect(aboutPeople()).toEqual(feedBefore)
  })
})
