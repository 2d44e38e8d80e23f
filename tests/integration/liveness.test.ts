import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createConnection, type TandemConnection } from '../../lib/client/connection'
import type { LivenessOptions } from '../../lib/client/liveness'
import { type BlackholeProxy, startBlackholeProxy } from '../helpers/blackhole-proxy'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { sleep, waitFor } from '../helpers/wait'

/**
 * A dropped network (the blackhole proxy stops forwarding and closes nothing) is noticed on
 * both sides: the writer's own status turns offline (client watchdog: nothing heard from the
 * server), and the others stop seeing the writer (the server's heartbeat cuts the silent peer
 * and broadcasts its presence removal, A4/A2). The times are measurements, reported, with
 * loose bounds; what decides the outcome is whether each side notices at all within the bound.
 */
let server: RunningServer | null = null
const proxies: BlackholeProxy[] = []
const connections: TandemConnection[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy()
  for (const p of proxies.splice(0)) await p.close()
  await server?.stop()
  server = null
  for (const dir of dirs.splice(0)) removeDir(dir)
})

function connect(port: number, name: string, liveness: LivenessOptions = {}, docId = 'liveness'): TandemConnection {
  const connection = createConnection({
    docId,
    serverUrl: `ws://127.0.0.1:${port}/collab`,
    user: { name, color: '#2563eb' },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    liveness,
  })
  connections.push(connection)
  return connection
}

const othersSeenBy = (c: TandemConnection) => c.peers.value.filter((peer) => !peer.isLocal).map((peer) => peer.name)

/** Cuts the writer's network and measures when each side notices (ms after the cut). */
async function measureCut(
  heartbeatMs: number,
  liveness: LivenessOptions,
  boundMs: number,
  direction: 'both' | 'down' = 'both',
  whileCut: (writer: TandemConnection) => void = () => {},
  writerWatches = true,
  holdCutMs = 0,
) {
  server = await startServer({ heartbeatMs: String(heartbeatMs) })
  const port = Number(new URL(server.wsUrl).port)
  const proxy = await startBlackholeProxy(port)
  proxies.push(proxy)
  const writer = connect(proxy.port, 'Ada', liveness)
  const other = connect(port, 'Grace', liveness)
  await waitFor(() => othersSeenBy(other).includes('Ada') && othersSeenBy(writer).includes('Grace'), 'both see each other')
  writer.doc.getText('t').insert(0, 'before the cut')
  await waitFor(() => other.doc.getText('t').toString() === 'before the cut', 'the edit arrives')
  const cutAt = performance.now()
  proxy.cut(direction)
  whileCut(writer)
  let writerOffline = Number.NaN
  let othersDropWriter = Number.NaN
  await waitFor(
    () => {
      const t = performance.now() - cutAt
      if (Number.isNaN(writerOffline) && writer.status.value === 'offline') writerOffline = t
      if (Number.isNaN(othersDropWriter) && !othersSeenBy(other).includes('Ada')) othersDropWriter = t
      return (!writerWatches || !Number.isNaN(writerOffline)) && !Number.isNaN(othersDropWriter)
    },
    'both sides to notice the cut',
    boundMs,
  )
  console.log(
    `[liveness] heartbeat ${heartbeatMs} ms, cut ${direction}: the writer shows offline ${writerOffline.toFixed(0)} ms after the cut; ` +
      `the others drop the writer after ${othersDropWriter.toFixed(0)} ms`,
  )
  if (!writerWatches) return { writerOffline, othersDropWriter }
  // The network stays down a while (pacing): the writer's attempts meanwhile go nowhere and
  // hang, which must not strand it. Then it comes back: the writer reconnects on its own.
  if (holdCutMs > 0) await sleep(holdCutMs)
  proxy.restore()
  await waitFor(() => writer.status.value === 'connected' && othersSeenBy(other).includes('Ada'), 'the writer is back', 20_000)
  return { writerOffline, othersDropWriter }
}

describe('a dropped network is noticed on both sides', () => {
  it('[A4] short heartbeat (500 ms, client silence 1250 ms): both sides notice a cut within the bound', async () => {
    const { writerOffline, othersDropWriter } = await measureCut(500, { silenceMs: 1_250 }, 15_000, 'both', () => {}, true, 4_000)
    expect(writerOffline).toBeLessThan(15_000)
    expect(othersDropWriter).toBeLessThan(15_000)
  }, 60_000)

  it('[A4] default heartbeat (4 s) and client silence (9 s): both sides notice a cut within 10 s (+ slack)', async () => {
    const { writerOffline, othersDropWriter } = await measureCut(4_000, {}, 15_000)
    expect(writerOffline).toBeLessThan(15_000)
    expect(othersDropWriter).toBeLessThan(15_000)
  }, 60_000)

  it('[A4] only the server-to-client direction is swallowed while the writer keeps typing: both sides still notice', async () => {
    let typing: ReturnType<typeof setInterval> | null = null
    try {
      const { writerOffline, othersDropWriter } = await measureCut(500, { silenceMs: 1_250 }, 15_000, 'down', (writer) => {
        // The writer types on (its frames still reach the server) but hears nothing back.
        typing = setInterval(() => writer.doc.getText('t').insert(0, 'x'), 100)
      })
      expect(writerOffline).toBeLessThan(15_000)
      expect(othersDropWriter).toBeLessThan(15_000)
    } finally {
      if (typing !== null) clearInterval(typing)
    }
  }, 60_000)

  it('[A4] the server alone cuts a peer that types on but hears nothing (a client without a watchdog, like stock y-websocket)', async () => {
    let typing: ReturnType<typeof setInterval> | null = null
    try {
      // A watchdog that never fires: only the server's heartbeat can take the writer away.
      const { othersDropWriter } = await measureCut(
        500,
        { silenceMs: 3_600_000 },
        15_000,
        'down',
        (writer) => {
          typing = setInterval(() => writer.doc.getText('t').insert(0, 'x'), 100)
        },
        false,
      )
      expect(othersDropWriter).toBeLessThan(15_000)
    } finally {
      if (typing !== null) clearInterval(typing)
    }
  }, 60_000)

  it('[A4] an idle but healthy connection is never taken for dead: the keepalive keeps it open', async () => {
    // Intervals long enough that a busy machine's stalls (GC, other test processes) cannot pass
    // for a dead peer, short enough that six seconds hold several rounds on both sides.
    server = await startServer({ heartbeatMs: '1000' })
    const port = Number(new URL(server.wsUrl).port)
    const idle = connect(port, 'Idle', { silenceMs: 3_000 })
    await waitFor(() => idle.status.value === 'connected' && idle.synced.value, 'connected')
    const opened: string[] = []
    const unsubscribe = idle.status.subscribe((s) => opened.push(s))
    // Nothing is sent for two silence periods; only the server's keepalive is heard (pacing,
    // not a decision: any closing during it is recorded).
    await sleep(6_000)
    unsubscribe()
    expect(opened).toEqual([])
    expect(server.server.transport.socketCount).toBe(1)
  }, 20_000)
})

describe('reconnecting after a server restart', () => {
  it('50 clients come back spread over the backoff window, not all at once', async () => {
    const dataDir = makeTempDir('tandem-liveness-restart-')
    dirs.push(dataDir)
    server = await startServer({}, {}, dataDir)
    const port = Number(new URL(server.wsUrl).port)
    const clients = Array.from({ length: 50 }, (_, i) => connect(port, `P${i}`, {}, `restart-${i % 5}`))
    await waitFor(() => clients.every((c) => c.status.value === 'connected' && c.synced.value), 'all 50 connected', 30_000)

    await server.stop()
    server = null
    await waitFor(() => clients.every((c) => c.status.value === 'offline'), 'all notice the server is gone')
    // The server stays down a while (pacing), so the clients are some failed attempts into their
    // backoff when it returns, as after a real restart.
    await sleep(2_000)
    const backAt: number[] = []
    const unsubscribes = clients.map((c) =>
      c.status.subscribe((s) => {
        if (s === 'connected') backAt.push(performance.now())
      }),
    )
    const restartedAt = performance.now()
    server = await startServer({ port: String(port) }, {}, dataDir)
    await waitFor(() => backAt.length >= 50, 'all 50 reconnect', 40_000)
    for (const unsubscribe of unsubscribes) unsubscribe()
    const times = backAt.map((t) => t - restartedAt).sort((a, b) => a - b)
    const spread = times.at(-1)! - times[0]!
    const within100 = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 100).length))
    console.log(
      `[liveness] restart: 50 clients back between ${times[0]!.toFixed(0)} and ${times.at(-1)!.toFixed(0)} ms after the restart ` +
        `(spread ${spread.toFixed(0)} ms; at most ${within100} within any 100 ms; median ${times[25]!.toFixed(0)} ms)`,
    )
    // Without jitter every client retries on the same schedule and they all land together.
    expect(within100).toBeLessThan(20)
    expect(spread).toBeGreaterThanOrEqual(500)
  }, 90_000)
})

describe('a slow upload is not a dead peer', () => {
  it('[A4] a peer uploading one large frame over several heartbeat rounds stays connected; silent again, it is cut', async () => {
    server = await startServer({ heartbeatMs: '1000' })
    const port = Number(new URL(server.wsUrl).port)
    // A raw peer: its pong would queue behind the frame it uploads, so it never answers at all.
    const tcp = net.connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => tcp.once('connect', () => resolve()))
    let received = ''
    tcp.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
    })
    const closed = new Promise<void>((resolve) => tcp.once('close', () => resolve()))
    tcp.write(
      `GET /slow-upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    await waitFor(() => received.startsWith('HTTP/1.1 101'), 'the upgrade')
    await waitFor(() => server?.server.transport.socketCount === 1, 'the server to count the peer')
    // One binary frame of 200 KB, masked with a zero key, its payload trickled over ~4 rounds.
    const size = 200_000
    const header = Buffer.alloc(14)
    header[0] = 0x82
    header[1] = 0x80 | 127
    header.writeBigUInt64BE(BigInt(size), 2)
    tcp.write(header)
    let sent = 0
    let cutWhileUploading = false
    void closed.then(() => {
      if (sent < size) cutWhileUploading = true
    })
    const chunk = Buffer.alloc(5_000)
    // Pacing: 40 chunks, one per 100 ms, the whole upload spanning four heartbeat rounds.
    while (sent < size - chunk.length && !tcp.destroyed) {
      tcp.write(chunk)
      sent += chunk.length
      await sleep(100)
    }
    expect(cutWhileUploading, 'cut while its frame was still arriving').toBe(false)
    expect(server.server.transport.socketCount).toBe(1)
    // The upload stalls short of the end: now the peer is silent, and two rounds later it is gone.
    await closed
    await waitFor(() => server?.server.transport.socketCount === 0, 'the server to drop the peer')
  }, 30_000)
})
