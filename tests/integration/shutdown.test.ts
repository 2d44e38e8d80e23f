import net from 'node:net'
import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { writeUpdate } from '../../lib/protocol'
import { connectSynced, type TestClient } from '../helpers/clients'
import { openRaw, type RawSocket, upgradeStatus } from '../helpers/raw-socket'
import { type ServerProcess, spawnServer } from '../helpers/server-process'
import { readStoredDoc } from '../helpers/storage-inspect'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { sleep, waitFor } from '../helpers/wait'

/**
 * [S1] On SIGTERM or SIGINT the server stops accepting (upgrades get 503), commits everything
 * pending, closes every client with 1001 (GoingAway) and exits with code 0 — checked against
 * the real `server/bin/cli.ts` process.
 */

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/** Writes `<prefix>-<n>` = n over the raw protocol and knows which updates came back (D4 echo). */
class RawWriter {
  readonly doc = new Y.Doc()
  private readonly sent = new Map<string, string>()

  constructor(
    readonly prefix: string,
    readonly socket: RawSocket,
  ) {}

  write(n: number): void {
    let update: Uint8Array | null = null
    const capture = (u: Uint8Array) => (update = u)
    this.doc.on('update', capture)
    this.doc.getMap('m').set(`${this.prefix}-${n}`, n)
    this.doc.off('update', capture)
    this.sent.set(hex(update!), `${this.prefix}-${n}`)
    this.socket.send(writeUpdate(update!))
  }

  echoed(): string[] {
    const keys: string[] = []
    for (const frame of this.socket.received) {
      const decoder = decoding.createDecoder(frame)
      if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) !== 2) continue
      const key = this.sent.get(hex(decoding.readVarUint8Array(decoder)))
      if (key) keys.push(key)
    }
    return keys
  }
}

/** Everything a raw socket received as relayed updates, applied to a fresh document. */
function relayedDoc(socket: RawSocket): Y.Doc {
  const doc = new Y.Doc()
  for (const frame of socket.received) {
    const decoder = decoding.createDecoder(frame)
    if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) !== 2) continue
    Y.applyUpdate(doc, decoding.readVarUint8Array(decoder))
  }
  return doc
}

/** A stock client plus the close codes its provider saw, in order. */
interface WatchedClient extends TestClient {
  readonly closeCodes: number[]
}

async function watchedClient(url: string, docId: string): Promise<WatchedClient> {
  const client = await connectSynced(url, docId)
  const closeCodes: number[] = []
  client.provider.on('connection-close', (event) => {
    if (event) closeCodes.push(event.code)
  })
  return Object.assign(client, { closeCodes })
}

/** A raw HTTP exchange on a plain TCP socket: resolves with everything the server sent. */
function collect(socket: net.Socket): Promise<string> {
  let data = ''
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')))
  return new Promise((resolve) => {
    socket.on('close', () => resolve(data))
    socket.on('error', () => {})
  })
}

function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
  })
}

const upgradeHeaders =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

/** Spawns a server that the test's cleanup kills if it is still running. */
async function startProcess(dataDir: string): Promise<ServerProcess> {
  const server = await spawnServer(['--port', '0', '--data-dir', dataDir], { TANDEM_LOG_LEVEL: 'info' })
  cleanups.push(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exited
    }
  })
  return server
}

function tempDir(): string {
  const dir = makeTempDir('tandem-shutdown-')
  cleanups.push(() => removeDir(dir))
  return dir
}

describe('graceful shutdown of the server process', () => {
  it('[S1][D3][D4] SIGTERM: clients are closed with 1001, the process exits 0, and every echoed edit is there after a restart', async () => {
    const dataDir = tempDir()
    const server = await startProcess(dataDir)

    const a1 = await watchedClient(server.wsUrl, 'shut-a')
    const a2 = await watchedClient(server.wsUrl, 'shut-a')
    const b1 = await watchedClient(server.wsUrl, 'shut-b')
    cleanups.push(() => {
      for (const c of [a1, a2, b1]) c.destroy()
    })
    const raw = new RawWriter('raw', await openRaw(`${server.wsUrl}/shut-a`))
    const watchB = await openRaw(`${server.wsUrl}/shut-b`)
    cleanups.push(() => {
      raw.socket.ws.terminate()
      watchB.ws.terminate()
    })

    // Phase 1: edits that are certainly stored: echoed to the raw writer, relayed to a2 (a1's
    // and the raw writer's) and to a raw watcher of shut-b (b1's) — relays follow the commit.
    for (let n = 0; n < 20; n++) {
      a1.doc.getMap('m').set(`a1-${n}`, n)
      b1.doc.getMap('m').set(`b1-${n}`, n)
      raw.write(n)
    }
    await waitFor(() => raw.echoed().length === 20, 'the raw writer to get its 20 echoes')
    await waitFor(() => a2.doc.getMap('m').size === 40, 'a2 to receive a1 and raw edits')
    await waitFor(() => relayedDoc(watchB).getMap('m').size === 20, 'the shut-b watcher to receive b1 edits')

    // Phase 2: the raw writer and a1 keep writing through the signal until their own
    // connection is closed (S3 drain: until then they are served normally).
    let written = 20
    const writing = (async () => {
      const until = Date.now() + 12_000
      while (raw.socket.ws.readyState === raw.socket.ws.OPEN && written < 3_000 && Date.now() < until) {
        raw.write(written)
        if (a1.provider.wsconnected) a1.doc.getMap('m').set(`a1-${written}`, written)
        written++
        await sleep(2)
      }
    })()
    // The signal lands while both are writing.
    await waitFor(() => written >= 40, 'phase 2 writes under way')
    const signalled = Date.now()
    server.child.kill('SIGTERM')

    const rawClose = await raw.socket.closed
    await writing
    const exitCode = await server.exited
    const stopMs = Date.now() - signalled
    await waitFor(() => [a1, a2, b1].every((c) => c.closeCodes.length > 0), 'every stock client to see its connection close')

    expect(rawClose.code, 'close code seen by a raw socket').toBe(1001)
    for (const [name, client] of Object.entries({ a1, a2, b1 })) {
      expect(client.closeCodes[0], `first close code seen by stock client ${name}`).toBe(1001)
    }
    expect(exitCode, `exit code; output:\n${server.output()}`).toBe(0)
    expect(server.output(), 'the server logged no error while stopping').not.toMatch(/"level":(50|60)/)
    expect(server.output()).toMatch(/server stopped/)

    const echoed = raw.echoed()
    const seenByA2 = [...a2.doc.getMap('m').keys()]
    const seenByWatchB = [...relayedDoc(watchB).getMap('m').keys()]
    const mustHave = new Set([...echoed, ...seenByA2, ...seenByWatchB])
    expect(mustHave.size).toBeGreaterThanOrEqual(60)
    expect(echoed.length).toBeGreaterThanOrEqual(20)

    // Straight from the SQLite file, with the server gone.
    const onDisk = await readStoredDoc(dataDir, 'shut-a')
    const onDiskB = await readStoredDoc(dataDir, 'shut-b')
    expect(onDisk.hasPending || onDiskB.hasPending, 'stored updates with missing predecessors').toBe(false)
    const diskKeys = new Set([...onDisk.doc.getMap('m').keys(), ...onDiskB.doc.getMap('m').keys()])
    expect(
      [...mustHave].filter((key) => !diskKeys.has(key)),
      'echoed/relayed edits missing on disk',
    ).toEqual([])

    // And through a new server process on the same data dir.
    const again = await startProcess(dataDir)
    const checkA = await connectSynced(again.wsUrl, 'shut-a')
    const checkB = await connectSynced(again.wsUrl, 'shut-b')
    cleanups.push(() => {
      for (const c of [checkA, checkB]) c.destroy()
    })
    const restartedKeys = new Set([...checkA.doc.getMap('m').keys(), ...checkB.doc.getMap('m').keys()])
    expect(
      [...mustHave].filter((key) => !restartedKeys.has(key)),
      'echoed/relayed edits missing after restart',
    ).toEqual([])
    for (const key of mustHave) {
      const value = (key.startsWith('b1-') ? checkB : checkA).doc.getMap('m').get(key)
      expect(value, key).toBe(Number(key.split('-')[1]))
    }
    const echoedSet = new Set(echoed)
    const unechoed = Array.from({ length: written }, (_, n) => `raw-${n}`).filter((key) => !echoedSet.has(key))
    // Unechoed updates were in flight when the server closed the connection: it may never
    // have read them, so they may or may not be stored; reported, not required.
    console.log(
      `[shutdown] SIGTERM → exit ${exitCode} in ${stopMs} ms; raw writer sent ${written}, echoed ${echoed.length}, ` +
        `unechoed ${unechoed.length} (stored anyway ${unechoed.filter((key) => restartedKeys.has(key)).length}); ` +
        `required (echoed or relayed) edits present ${mustHave.size}/${mustHave.size}`,
    )

    checkA.destroy()
    checkB.destroy()
    again.child.kill('SIGTERM')
    expect(await again.exited).toBe(0)
  })

  it('[S1] SIGINT stops the server the same way: 1001 to clients, exit code 0', async () => {
    const dataDir = tempDir()
    const server = await startProcess(dataDir)
    const raw = await openRaw(`${server.wsUrl}/shut-int`)
    cleanups.push(() => raw.ws.terminate())
    const client = await watchedClient(server.wsUrl, 'shut-int')
    cleanups.push(() => client.destroy())
    client.doc.getMap('m').set('k', 1)
    await waitFor(() => relayedDoc(raw).getMap('m').get('k') === 1, 'the raw socket to receive the relayed edit')

    server.child.kill('SIGINT')
    expect((await raw.closed).code).toBe(1001)
    expect(await server.exited).toBe(0)
    await waitFor(() => client.closeCodes.length > 0, 'the stock client to see the close')
    expect(client.closeCodes[0]).toBe(1001)
    const stored = await readStoredDoc(dataDir, 'shut-int')
    expect(stored.doc.getMap('m').get('k')).toBe(1)
  })

  it('[S1][U3] during shutdown an upgrade on an open HTTP connection gets 503, and new connections are refused', async () => {
    const dataDir = tempDir()
    const server = await startProcess(dataDir)

    // A peer that completes the WebSocket handshake and then never answers the close frame,
    // so the process cannot finish stopping at once: it must wait for (or cut off) this peer.
    // That leaves a window in which the shutdown has begun and the process still runs.
    const holder = await connectTcp(server.port)
    cleanups.push(() => void holder.destroy())
    let holderText = ''
    holder.on('data', (chunk: Buffer) => (holderText += chunk.toString('latin1')))
    const holderClosed = collect(holder)
    holder.write(`GET /shut-hold HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${upgradeHeaders}`)
    await waitFor(() => holderText.includes('\r\n\r\n'), 'the holder handshake')
    expect(holderText).toMatch(/^HTTP\/1\.1 101/)

    // A connection whose upgrade request is only half sent when the signal arrives.
    const late = await connectTcp(server.port)
    cleanups.push(() => void late.destroy())
    const lateResponse = collect(late)
    late.write(`GET /shut-late HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`)

    const observer = await openRaw(`${server.wsUrl}/shut-obs`)
    cleanups.push(() => observer.ws.terminate())
    // The server accepts connections in the order they queued: once it greets the observer
    // (sync step 1), it has accepted the late connection, which connected first.
    await waitFor(() => observer.received.length > 0, 'the server to greet the observer')

    const signalled = Date.now()
    server.child.kill('SIGTERM')
    // The server logs "shutting down" in its signal handler, in the same synchronous step in
    // which it stops accepting: once the line is out, the shutdown is under way.
    await waitFor(() => server.output().includes('shutting down'), 'the "shutting down" log line')
    expect(server.child.exitCode, 'still running while it drains').toBeNull()

    late.write(upgradeHeaders)
    const response = await lateResponse
    const fresh = await upgradeStatus(`${server.wsUrl}/shut-new`).then(
      (status) => `HTTP ${status}`,
      (err: NodeJS.ErrnoException) => err.code ?? String(err),
    )
    expect(server.child.exitCode, 'the late request was answered before the process exited').toBeNull()
    expect(response.split('\r\n')[0], `answer to the completed upgrade request:\n${response}`).toBe('HTTP/1.1 503 Service Unavailable')
    // A brand-new connection is refused outright (the listener is closed) or answered 503.
    expect(['ECONNREFUSED', 'HTTP 503']).toContain(fresh)

    expect((await observer.closed).code, 'the observer is closed with 1001').toBe(1001)
    expect(await server.exited).toBe(0)
    const stopMs = Date.now() - signalled
    await holderClosed
    // The unresponsive peer was cut off: the process did not wait for it forever (its
    // shutdown deadline, `shutdownTimeoutMs`, is 10 s by default).
    expect(stopMs).toBeLessThan(10_000)
    console.log(
      `[shutdown] during the drain: late upgrade → ${response.split('\r\n')[0]}, new connection → ${fresh}; exit 0 after ${stopMs} ms`,
    )
  })
})
