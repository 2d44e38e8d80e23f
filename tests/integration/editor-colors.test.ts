import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createConnection, type TandemConnection } from '../../lib/client/connection'
import { type RunningServer, startServer } from '../helpers/server'
import { removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/** lib/editor's connection against the real server: people in one document never share a colour. */
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

function connect(url: string, name: string, color: string, id: string): TandemConnection {
  const connection = createConnection({
    docId: 'colors',
    serverUrl: `${url}/collab`,
    user: { name, color, id },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  })
  connections.push(connection)
  return connection
}

const colorsSeenBy = (c: TandemConnection) => new Map(c.peers.value.map((peer) => [peer.name, peer.color.toLowerCase()] as const))

describe('caret colours', () => {
  it('two people whose stable colours collide are shown in different colours; the tabs of one person keep one colour', async () => {
    server = await startServer()
    connect(server.wsUrl, 'Ada', '#b75b03', 'ada')
    const grace = connect(server.wsUrl, 'Grace', '#b75b03', 'grace')
    const adaOtherTab = connect(server.wsUrl, 'Ada', '#b75b03', 'ada')
    await waitFor(() => connections.every((c) => c.peers.value.length === 3), 'everyone sees everyone')
    // The later joiner changes colour, and that change reaches each connection in its own time.
    await waitFor(
      () =>
        connections.every((c) => {
          const seen = colorsSeenBy(c)
          return seen.get('Ada') !== seen.get('Grace')
        }),
      'distinct colours everywhere',
    )
    // Ada's two tabs are one person: same colour, folded together in the people list.
    const adaColors = adaOtherTab.peers.value.filter((p) => p.name === 'Ada').map((p) => p.color)
    expect(new Set(adaColors).size).toBe(1)
    expect(grace.peers.value.length).toBe(3)
  })

  it('two people with the same name are two people, in two colours', async () => {
    server = await startServer()
    const samA = connect(server.wsUrl, 'Sam', '#0d8378', 'sam-a')
    const samB = connect(server.wsUrl, 'Sam', '#0d8378', 'sam-b')
    await waitFor(() => [samA, samB].every((c) => c.peers.value.length === 2), 'both see both')
    await waitFor(
      () => [samA, samB].every((c) => new Set(c.peers.value.map((p) => p.color.toLowerCase())).size === 2),
      'two colours everywhere',
    )
    expect(new Set(samA.peers.value.map((p) => p.personKey))).toEqual(new Set(['id:sam-a', 'id:sam-b']))
  })
})
