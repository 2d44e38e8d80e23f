import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStorage } from '../../server/storage/memory'
import { connectSynced, type TestClient } from '../helpers/clients'
import { GatedStorage } from '../helpers/gated-storage'
import { openRaw, upgradeStatus } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { removeDir } from '../helpers/temp-dir'
import { editorToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

const servers: RunningServer[] = []
const clients: TestClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy()
  for (const s of servers.splice(0)) {
    await s.stop()
    removeDir(s.dataDir)
  }
})

/** Parses Prometheus text into "name{labels}" → value. */
async function scrape(server: RunningServer): Promise<Map<string, number>> {
  const res = await fetch(`${server.httpUrl}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain')
  const values = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue
    const at = line.lastIndexOf(' ')
    values.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return values
}

describe('metrics', () => {
  it('[O1] /metrics shows connections, documents, traffic by type, commits, compactions, rejections, limits and event-loop lag', async () => {
    const server = await startServer({ compactAfterUpdates: '3', maxMessageBytes: '2048' })
    servers.push(server)
    const a = await connectSynced(server.wsUrl, 'metrics-doc')
    const b = await connectSynced(server.wsUrl, 'metrics-doc')
    clients.push(a, b)
    for (let i = 0; i < 6; i++) a.doc.getText('t').insert(0, `${i}`)
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
    await waitFor(() => b.doc.getText('t').length === 6, 'edits relayed')
    expect(await upgradeStatus(`${server.wsUrl}/collab/..`)).toBe(400)
    const big = await openRaw(`${server.wsUrl}/collab/metrics-doc`)
    big.send(new Uint8Array(4096))
    await big.closed
    await waitFor(async () => ((await scrape(server)).get('tandem_compactions_total') ?? 0) >= 1, 'a compaction')
    const m = await scrape(server)
    expect(m.get('tandem_connections')).toBe(2)
    expect(m.get('tandem_documents_loaded')).toBe(1)
    expect(m.get('tandem_updates_pending')).toBe(0)
    expect(m.get('tandem_messages_received_total{type="sync"}')).toBeGreaterThanOrEqual(6)
    expect(m.get('tandem_messages_received_total{type="awareness"}')).toBeGreaterThanOrEqual(1)
    expect(m.get('tandem_bytes_received_total{type="sync"}')).toBeGreaterThan(0)
    // Each update is relayed to both connections (the sender gets the echo).
    expect(m.get('tandem_messages_sent_total{type="sync"}')).toBeGreaterThanOrEqual(12)
    expect(m.get('tandem_bytes_sent_total{type="awareness"}')).toBeGreaterThan(0)
    expect(m.get('tandem_commit_duration_seconds_count')).toBeGreaterThanOrEqual(1)
    expect(m.get('tandem_commit_batch_updates_sum')).toBeGreaterThanOrEqual(6)
    expect(m.get('tandem_connections_rejected_total{reason="invalid_document_id"}')).toBe(1)
    expect(m.get('tandem_limit_hits_total{kind="message_size"}')).toBe(1)
    expect(m.get('tandem_connections_opened_total')).toBe(3)
    expect(m.has('tandem_process_nodejs_eventloop_lag_seconds')).toBe(true)
  })

  it('[O1] auth refusals are counted by reason', async () => {
    const server = await startServer({ authSecret: TEST_SECRET })
    servers.push(server)
    expect(await upgradeStatus(`${server.wsUrl}/collab/x`)).toBe(401)
    expect(await upgradeStatus(`${server.wsUrl}/collab/x?token=${await editorToken('u', ['y'])}`)).toBe(403)
    const m = await scrape(server)
    expect(m.get('tandem_connections_rejected_total{reason="MissingToken"}')).toBe(1)
    expect(m.get('tandem_connections_rejected_total{reason="WrongDocument"}')).toBe(1)
  })
})

describe('readiness', () => {
  it('[O2][H2] /readyz is 503 while storage fails and 200 again when it answers; /healthz stays 200', async () => {
    const storage = new GatedStorage(new MemoryStorage())
    const server = await startServer({}, { storage })
    servers.push(server)
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200)
    storage.pingError = new Error('database is locked')
    const down = await fetch(`${server.httpUrl}/readyz`)
    expect(down.status).toBe(503)
    expect(await down.json()).toEqual({ status: 'unavailable', storage: 'database is locked' })
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200)
    storage.pingError = null
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200)
  })
})

describe('logs', () => {
  it('[O3] one debug line when a connection opens and one when it closes, with document, user, duration and code', async () => {
    const lines: Array<Record<string, unknown>> = []
    // Connection lines are debug: at the default level (info) a busy server's log stays readable.
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) })
    const server = await startServer({ authSecret: TEST_SECRET }, { logger })
    servers.push(server)
    const raw = await openRaw(`${server.wsUrl}/collab/logged?token=${await editorToken('ada', ['*'])}`)
    await waitFor(() => raw.received.length > 0, 'joined')
    raw.ws.close(1000, 'bye')
    await waitFor(() => lines.some((l) => l.msg === 'connection closed'), 'close line')
    const opened = lines.filter((l) => l.msg === 'connection opened')
    const closed = lines.filter((l) => l.msg === 'connection closed')
    expect(opened).toHaveLength(1)
    expect(closed).toHaveLength(1)
    expect(opened[0]).toMatchObject({ level: 20, docId: 'logged', user: 'ada' })
    expect(closed[0]).toMatchObject({ level: 20, docId: 'logged', user: 'ada', code: 1000 })
    expect(typeof closed[0]!.durationMs).toBe('number')
    expect(typeof closed[0]!.time).toBe('number')
  })
})
