import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import * as Y from 'yjs'
import { CloseCode, writeSyncStep1 } from '../../lib/protocol'
import { serverRoundTrip } from '../helpers/barrier'
import { connectClient, connectSynced, peerNames, type TestClient } from '../helpers/clients'
import { socketOf, whenSynced } from '../helpers/events'
import { ManualClock } from '../helpers/manual-clock'
import { openRaw, upgradeStatus } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/** A real server on port 0 and stock y-websocket clients over real WebSockets. */
let servers: RunningServer[] = []
const clients: TestClient[] = []
const dirs: string[] = []
/** Client sockets to cut at teardown: a paused one never finishes a closing handshake, and the server would wait out its close grace. */
const cutAtTeardown: WebSocket[] = []

afterEach(async () => {
  for (const ws of cutAtTeardown.splice(0)) ws.terminate()
  for (const client of clients.splice(0)) client.destroy()
  for (const server of servers.splice(0)) await server.stop()
  for (const dir of dirs.splice(0)) removeDir(dir)
})

async function start(
  overrides: Parameters<typeof startServer>[0] = {},
  dataDir = makeTempDir(),
  deps: Parameters<typeof startServer>[1] = {},
) {
  dirs.push(dataDir)
  const server = await startServer(overrides, deps, dataDir)
  servers.push(server)
  return server
}

async function client(url: string, docId: string, doc?: Y.Doc) {
  const c = await connectSynced(url, docId, doc)
  clients.push(c)
  return c
}

describe('sync with stock y-websocket clients', () => {
  it('[P1] clients at /<docId> and /collab/<docId> share one document', async () => {
    const { wsUrl } = await start()
    const a = await client(wsUrl, 'shared')
    const b = await client(`${wsUrl}/collab`, 'shared')
    a.doc.getText('t').insert(0, 'from a ')
    b.doc.getText('t').insert(0, 'from b ')
    await waitFor(() => a.doc.getText('t').toString() === b.doc.getText('t').toString() && a.doc.getText('t').length === 14, 'convergence')
  })

  it('[P3] a client that joins later receives everything, and the stored state survives a restart', async () => {
    const dataDir = makeTempDir()
    const first = await start({}, dataDir)
    const a = await client(first.wsUrl, 'persist')
    a.doc.getMap('m').set('k', 'v')
    a.doc.getText('t').insert(0, 'durable')
    const late = await client(first.wsUrl, 'persist')
    expect(late.doc.getText('t').toString()).toBe('durable')
    for (const c of clients.splice(0)) c.destroy()
    await first.stop()
    servers = servers.filter((s) => s !== first)
    const second = await start({}, dataDir)
    const c = await client(second.wsUrl, 'persist')
    expect(c.doc.getText('t').toString()).toBe('durable')
    expect(c.doc.getMap('m').get('k')).toBe('v')
  })

  it('[D4] the server echoes each stored update to its sender (the "Saved" signal)', async () => {
    const { wsUrl } = await start()
    const a = await client(wsUrl, 'echo')
    // Applying an echo changes nothing, so Yjs emits no event: read the frames themselves
    // through the provider's per-instance message handlers (what lib/editor does).
    let echoedClock = 0
    const syncHandler = a.provider.messageHandlers[0]!
    a.provider.messageHandlers[0] = (encoder, decoder, provider, emitSynced, type) => {
      const view = decoding.clone(decoder)
      const syncType = decoding.readVarUint(view)
      if (syncType === 1 || syncType === 2) {
        const update = decoding.readVarUint8Array(view)
        echoedClock = Math.max(echoedClock, Y.parseUpdateMeta(update).to.get(a.doc.clientID) ?? 0)
      }
      syncHandler(encoder, decoder, provider, emitSynced, type)
    }
    a.doc.getText('t').insert(0, 'abc')
    a.doc.getText('t').insert(3, 'def')
    const localClock = Y.getState(a.doc.store, a.doc.clientID)
    expect(localClock).toBe(6)
    await waitFor(() => echoedClock === localClock, 'echo up to the local clock')
  })

  it('[P1] reconnect: edits made offline on both sides merge after reconnecting', async () => {
    const { wsUrl } = await start()
    const a = await client(wsUrl, 'offline')
    const b = await client(wsUrl, 'offline')
    a.doc.getText('t').insert(0, 'base')
    await waitFor(() => b.doc.getText('t').toString() === 'base', 'base synced')
    a.provider.disconnect()
    a.doc.getText('t').insert(4, ' offline-a')
    b.doc.getText('t').insert(0, 'online-b ')
    await serverRoundTrip(b)
    expect(b.doc.getText('t').toString()).not.toContain('offline-a')
    a.provider.connect()
    await waitFor(() => a.doc.getText('t').toString() === b.doc.getText('t').toString(), 'merge')
    expect(a.doc.getText('t').toString()).toBe('online-b base offline-a')
  })
})

describe('run modes', () => {
  it('[U2] inside the app only /collab/<docId> is a sync path; other upgrades are left to the app', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const app = await startServer({}, { mode: 'app' }, dataDir)
    servers.push(app)
    expect(await upgradeStatus(`${app.wsUrl}/collab/in-app`)).toBe(101)
    // No app upgrade handler is installed here, so the fallback answers 404.
    expect(await upgradeStatus(`${app.wsUrl}/in-app`)).toBe(404)
    expect(await upgradeStatus(`${app.wsUrl}/_next/webpack-hmr`)).toBe(404)
    const a = await client(`${app.wsUrl}/collab`, 'in-app')
    a.doc.getText('t').insert(0, 'ok')
    const b = await client(`${app.wsUrl}/collab`, 'in-app')
    expect(b.doc.getText('t').toString()).toBe('ok')
  })
})

describe('presence with stock clients', () => {
  it('[A1][A2] awareness is relayed, and removed for the others when a client closes without saying goodbye', async () => {
    const { wsUrl } = await start()
    const a = await client(wsUrl, 'presence')
    const b = await client(wsUrl, 'presence')
    a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#f00' })
    b.provider.awareness.setLocalStateField('user', { name: 'Bo', color: '#0f0' })
    await waitFor(() => peerNames(b).includes('Ada') && peerNames(a).includes('Bo'), 'both see each other')
    // Close a's socket without the goodbye awareness message the provider sends on destroy:
    // the server itself must tell b.
    a.provider.shouldConnect = false
    a.provider.ws?.close()
    // b's own awareness would drop Ada only after 30 s without news: the removal comes from the
    // server. That it goes out in the very turn the close is seen is checked in room.test.ts [A2].
    await waitFor(() => !peerNames(b).includes('Ada'), 'Ada removed')
  })

  it('[A4][A2] a peer that stops answering pings is cut off with 4408 and its presence removed for the others (real time)', async () => {
    const { wsUrl, server } = await start({ heartbeatMs: '150' })
    const watcher = await client(wsUrl, 'silent')
    const known = new Set(server.rooms.openConnections().map((c) => c.id))
    const silent = connectClient(wsUrl, 'silent')
    clients.push(silent)
    await whenSynced(silent, 'the silent peer to sync')
    const silentSide = server.rooms.openConnections().find((c) => !known.has(c.id))
    if (!silentSide) throw new Error('the silent peer has no connection on the server')
    const closes: number[] = []
    silentSide.onClose((reason) => closes.push(reason.code))
    silent.provider.awareness.setLocalStateField('user', { name: 'Ghost' })
    await waitFor(() => peerNames(watcher).includes('Ghost'), 'ghost visible')
    // Stop reading from the socket: pings go unanswered but the TCP connection stays open, and
    // the peer sends nothing (its presence stays as it is: no goodbye reaches the server).
    const socket = socketOf(silent)
    cutAtTeardown.push(socket)
    ;(socket as unknown as { _socket: { pause(): void } })._socket.pause()
    // Only the server can take Ghost away now: it cuts the peer (4408) and broadcasts the removal (A2).
    await waitFor(() => !peerNames(watcher).includes('Ghost'), 'ghost removed')
    expect(closes).toEqual([CloseCode.HeartbeatTimeout.code])
    await waitFor(() => server.transport.socketCount === 1, 'the server drops the silent socket')
    // When, exactly (two intervals after the last sign of life, not before), is checked on a driven clock below.
  })

  it('[A4] the default heartbeat closes a silent peer with 4408 two intervals after its last sign of life, not before; a peer that answers stays (driven clock)', async () => {
    const clock = new ManualClock()
    const { wsUrl, server } = await start({}, makeTempDir(), { scheduler: clock })
    const interval = server.config.heartbeatMs
    expect(interval * 2).toBeLessThanOrEqual(10_000)
    const silent = await openRaw(`${wsUrl}/heartbeat-default`)
    await waitFor(() => server.rooms.openConnections().length === 1, 'the silent peer is counted')
    const closes: number[] = []
    server.rooms.openConnections()[0]!.onClose((reason) => closes.push(reason.code))
    const lively = await openRaw(`${wsUrl}/heartbeat-default`)
    let pings = 0
    lively.ws.on('ping', () => pings++)
    /**
     * The lively peer saw round `n`'s ping, and the server has read its automatic pong: ws sends
     * the pong before anything sent after it on the same stream, so once the server answers a
     * sync step 1 sent after the ping arrived, it has the pong.
     */
    const answered = async (n: number) => {
      await waitFor(() => pings === n, `ping ${n} reaches the lively peer`)
      const step2s = () => lively.received.filter((frame) => frame[0] === 0 && frame[1] === 1).length
      const before = step2s()
      lively.send(writeSyncStep1(new Uint8Array([0])))
      await waitFor(() => step2s() > before, `the server to answer after pong ${n}`)
    }
    await waitFor(() => server.rooms.openConnections().length === 2, 'the lively peer is counted')
    // ws answers pings automatically; pausing the socket makes the peer truly silent.
    ;(silent.ws as unknown as { _socket: { pause(): void } })._socket.pause()

    clock.advance(interval) // first round: both are pinged
    await answered(1)
    clock.advance(interval - 1) // just before the second round: the heartbeat runs only on its tick
    expect(closes, 'not cut before two intervals').toEqual([])
    expect(server.transport.socketCount).toBe(2)
    clock.advance(1) // second round: the silent peer never answered the first ping
    expect(closes).toEqual([CloseCode.HeartbeatTimeout.code])
    await waitFor(() => server.transport.socketCount === 1, 'the server drops the silent peer')
    await answered(2)

    // The peer that answers every ping is never cut.
    for (let round = 3; round <= 5; round++) {
      clock.advance(interval)
      await answered(round)
    }
    expect(server.transport.socketCount).toBe(1)
    expect(lively.ws.readyState).toBe(lively.ws.OPEN)
  })
})
