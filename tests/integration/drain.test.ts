import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, connectSynced, type TestClient } from '../helpers/clients'
import { type ServerProcess, spawnServer } from '../helpers/server-process'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { sleep, waitFor } from '../helpers/wait'

/**
 * Graceful drain under load, with the real server process: SIGTERM while many clients edit.
 * Every client is closed with 1001 at its own moment within the drain window, the process
 * exits 0 before its deadline, and every update any client saw echoed is stored.
 */
const processes: ServerProcess[] = []
const clients: TestClient[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy()
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
    const typer = (async () => {
      while (typing) {
        for (const w of writers) {
          // Only while connected: edits made after the close are offline edits, not the server's.
          if (w.closeCode === null) w.client.doc.getMap('m').set(`k${n++}`, n)
        }
        await sleep(10)
      }
    })()
    await sleep(400)
    const termAt = Date.now()
    server.child.kill('SIGTERM')
    const exitCode = await server.exited
    const exitedAfter = Date.now() - termAt
    typing = false
    await typer
    expect(exitCode).toBe(0)
    expect(exitedAfter).toBeLessThan(8_000)
    expect(writers.map((w) => w.closeCode)).toEqual(writers.map(() => 1001))
    const offsets = writers.map((w) => w.closedAt - termAt).sort((a, b) => a - b)
    // Spread, not all at once: the closes cover a good part of the window.
    expect(offsets.at(-1)! - offsets[0]!).toBeGreaterThan(spreadMs / 4)
    expect(offsets.at(-1)!).toBeLessThan(spreadMs + 2_000)
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
})
