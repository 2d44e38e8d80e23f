import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode } from '../../lib/protocol'
import { connectClient, connectSynced, type TestClient } from '../helpers/clients'
import { roundTrip, whenReceived } from '../helpers/events'
import { frameKind, syncPayload, updateFrame } from '../helpers/frames'
import { ManualClock, settleWithClock } from '../helpers/manual-clock'
import { openRaw, type RawSocket } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { type ServerProcess, spawnServer } from '../helpers/server-process'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { sleep, waitFor } from '../helpers/wait'

/**
 * Graceful drain under load, with the real server process: SIGTERM while many clients edit.
 * Every client is closed with 1001 at its own moment within the drain window, the process
 * exits 0 before its deadline, and every update any client saw echoed is stored. Then the
 * same drain in process on a driven clock, where each close instant is checked exactly.
 */
const processes: ServerProcess[] = []
const clients: TestClient[] = []
const dirs: string[] = []
const running: RunningServer[] = []
const sockets: RawSocket[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy()
  for (const s of sockets.splice(0)) s.ws.terminate()
  for (const r of running.splice(0)) await r.stop()
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL')
    await p.exited
  }
  for (const d of dirs.splice(0)) removeDir(d)
})

interface Writer {
  client: TestClient
  /** Highest own clock the server has echoed back (= stored, D4). */
  echoed: number
  closeCode: number | null
  closedAt: number
}

function trackEchoes(writer: Writer): void {
  const { client } = writer
  const syncHandler = client.provider.messageHandlers[0]!
  client.provider.messageHandlers[0] = (encoder, decoder, provider, emitSynced, type) => {
    const view = decoding.clone(decoder)
    const syncType = decoding.readVarUint(view)
    if (syncType === 1 || syncType === 2) {
      const to = Y.parseUpdateMeta(decoding.readVarUint8Array(view)).to.get(client.doc.clientID) ?? 0
      writer.echoed = Math.max(writer.echoed, to)
    }
    syncHandler(encoder, decoder, provider, emitSynced, type)
  }
  client.provider.on('connection-close', (event) => {
    if (writer.closeCode === null && event) {
      writer.closeCode = event.code
      writer.closedAt = Date.now()
    }
  })
}

describe('graceful drain', () => {
  it('[S1][S3] SIGTERM under load: 1001 spread over the window, exit 0 in time, nothing echoed is lost', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const spreadMs = 1_500
    const server = await spawnServer(['--port', '0', '--data-dir', dataDir], {
      TANDEM_DRAIN_SPREAD_MS: String(spreadMs),
      TANDEM_SHUTDOWN_TIMEOUT_MS: '8000',
    })
    processes.push(server)
    const writers: Writer[] = []
    for (let i = 0; i < 16; i++) {
      const client = connectClient(server.wsUrl, `drain-${i % 4}`)
      clients.push(client)
      const writer: Writer = { client, echoed: 0, closeCode: null, closedAt: 0 }
      trackEchoes(writer)
      writers.push(writer)
    }
    await waitFor(() => writers.every((w) => w.client.provider.synced), 'all synced', 10_000)
    let typing = true
    let n = 0
    // Pacing only: the typing goes on through the drain; no outcome below depends on it.
    const typer = (async () => {
      while (typing) {
        for (const w of writers) {
          // Only while connected: edits made after the close are offline edits, not the server's.
          if (w.closeCode === null) w.client.doc.getMap('m').set(`k${n++}`, n)
        }
        await sleep(10)
      }
    })()
    // Under load: every writer has had edits stored (echoed) before the signal.
    await waitFor(() => writers.every((w) => w.echoed > 0), 'an echo for every writer', 10_000)
    const termAt = Date.now()
    server.child.kill('SIGTERM')
    const exitCode = await server.exited
    const exitedAfter = Date.now() - termAt
    typing = false
    await typer
    // Exit code 0: the process finished before its own deadline timer (which exits 1) fired.
    expect(exitCode).toBe(0)
    // A real process cannot run on a driven clock, so this is wall time, measured from outside:
    // a generous bound (the drain takes about spreadMs) that only a hang would pass.
    expect(exitedAfter).toBeLessThan(8_000)
    expect(writers.map((w) => w.closeCode)).toEqual(writers.map(() => 1001))
    const offsets = writers.map((w) => w.closedAt - termAt).sort((a, b) => a - b)
    // Spread, not all at once: the closes cover a good part of the window. (Sixteen uniform draws
    // fall within a quarter of it with odds of about 1e-8, and a busy machine delays each close
    // as it sees it, not all of them together. Each close at its drawn instant: the next test.)
    expect(offsets.at(-1)! - offsets[0]!).toBeGreaterThan(spreadMs / 4)
    // Wall time again: every close before the shutdown deadline. A busy machine (two test files
    // at a time on two cores) can delay the last close by seconds, so the window itself is not the bound.
    expect(offsets.at(-1)!).toBeLessThan(8_000)
    for (const c of clients.splice(0)) c.provider.disconnect()

    const restarted = await spawnServer(['--port', '0', '--data-dir', dataDir])
    processes.push(restarted)
    let checked = 0
    for (let doc = 0; doc < 4; doc++) {
      const reader = await connectSynced(restarted.wsUrl, `drain-${doc}`)
      clients.push(reader)
      const stored = Y.decodeStateVector(Y.encodeStateVector(reader.doc))
      for (const w of writers.filter((_, i) => i % 4 === doc)) {
        expect(w.echoed).toBeGreaterThan(0)
        expect(stored.get(w.client.doc.clientID) ?? 0).toBeGreaterThanOrEqual(w.echoed)
        checked++
      }
    }
    expect(checked).toBe(16)
    console.log(`drain: ${n} edits typed, exit after ${exitedAfter} ms, closes spread over ${offsets.at(-1)! - offsets[0]!} ms`)
  }, 40_000)

  it('[S3] on a driven clock: each client is closed with 1001 at its own drawn moment of the window, and until then its updates are stored and echoed', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const clock = new ManualClock()
    // The drain draws one number per connection, in the order the connections opened.
    const draws = [0.75, 0.1, 0.5]
    const random = () => draws.shift() ?? 0
    const server = await startServer({ drainSpreadMs: '2000' }, { scheduler: clock, random }, dataDir)
    running.push(server)
    const peers: RawSocket[] = []
    for (let i = 0; i < 3; i++) {
      peers.push(await openRaw(`${server.wsUrl}/spread`))
      await waitFor(() => server.server.rooms.openConnections().length === i + 1, `peer ${i} is counted`)
    }
    sockets.push(...peers)
    // The server's side of each peer, in the order they opened.
    const serverSide = server.server.rooms.openConnections()
    const closedAt: Array<number | null> = [null, null, null]
    peers.forEach((peer, i) => void peer.closed.then(() => (closedAt[i] = clock.now())))
    let written = 0
    /** Peer `i` writes a key and waits for its echo: stored and relayed (D4). */
    const writeAndAwaitEcho = async (i: number) => {
      const key = `k${written++}`
      const doc = new Y.Doc()
      doc.getMap('m').set(key, i)
      peers[i]!.send(updateFrame(Y.encodeStateAsUpdate(doc)))
      await whenReceived(peers[i]!.ws, () => echoedKeys(peers[i]!).has(key), `peer ${i} to get the echo of ${key}`)
      return key
    }
    const stored = [await writeAndAwaitEcho(0)]

    const stopping = server.server.close()
    // The drain has drawn its moments: 1500, 200 and 1000 ms into the window.
    await waitFor(() => [200, 1000, 1500].every((t) => clock.dueTimes().includes(t)), 'the drain schedules its closes')
    /** Which peers the server holds open: it closes a peer in the very clock step that makes it due. */
    const expectOpenOnServer = (open: boolean[]) =>
      expect(
        serverSide.map((c) => c.isOpen),
        `open on the server at ${clock.now()} ms`,
      ).toEqual(open)
    /**
     * And as the peers see it: a ping the server answers after the last clock step shows it had
     * not closed that peer then (a closed one answers no ping; its close arrives instead).
     */
    const expectOpen = async (open: boolean[]) => {
      expectOpenOnServer(open)
      expect(await Promise.all(peers.map((p) => roundTrip(p.ws))), `answering a ping at ${clock.now()} ms`).toEqual(open)
    }

    clock.advance(199)
    await expectOpen([true, true, true])
    stored.push(await writeAndAwaitEcho(1))
    clock.advance(1)
    expectOpenOnServer([true, false, true])
    await peers[1]!.closed
    await expectOpen([true, false, true])
    stored.push(await writeAndAwaitEcho(0), await writeAndAwaitEcho(2))
    clock.advance(799)
    await expectOpen([true, false, true])
    clock.advance(1)
    expectOpenOnServer([true, false, false])
    await peers[2]!.closed
    stored.push(await writeAndAwaitEcho(0))
    clock.advance(499)
    await expectOpen([true, false, false])
    clock.advance(1)
    expectOpenOnServer([false, false, false])
    await peers[0]!.closed

    expect(closedAt).toEqual([1500, 200, 1000])
    const goingAway = CloseCode.GoingAway.code
    expect((await Promise.all(peers.map((p) => p.closed))).map((c) => c.code)).toEqual([goingAway, goingAway, goingAway])
    await settleWithClock(clock, stopping)

    // Everything echoed is stored: a new server on the same data has it.
    const again = await startServer({}, {}, dataDir)
    running.push(again)
    const reader = await connectSynced(again.wsUrl, 'spread')
    clients.push(reader)
    expect([...reader.doc.getMap('m').keys()].sort()).toEqual([...stored].sort())
  })
})

/** The map keys of every update a raw socket received (its own echoes included). */
function echoedKeys(socket: RawSocket): Set<string> {
  const doc = new Y.Doc()
  for (const frame of socket.received) if (frameKind(frame) === 'update') Y.applyUpdate(doc, syncPayload(frame))
  return new Set(doc.getMap('m').keys())
}
