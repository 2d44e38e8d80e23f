import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createConnection, type TandemConnection } from '../../lib/editor/connection'
import type { SaveState } from '../../lib/editor/connection'
import type { ReadonlySignal } from '../../lib/editor/signal'
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/protocol/document-fields'
import { freePort, startAppServer, type AppServer } from '../helpers/app-server'

/**
 * The connection wrapper (status, saved state, presence) in Node against the real `npm start`
 * process: no browser needed, the same sync server and the stock y-websocket provider.
 */
let server: AppServer
const open: TandemConnection[] = []

beforeAll(async () => {
  server = await startAppServer()
})

afterAll(async () => {
  for (const connection of open) connection.destroy()
  await server?.stop()
})

function connect(docId: string, name: string, url = server.url.replace('http:', 'ws:') + '/collab'): TandemConnection {
  const connection = createConnection({
    docId,
    serverUrl: url,
    user: { name, color: '#2563eb' },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  })
  open.push(connection)
  return connection
}

function waitFor<T>(signal: ReadonlySignal<T>, predicate: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  if (predicate(signal.value)) return Promise.resolve(signal.value)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out; last value ${JSON.stringify(signal.value)}`))
    }, timeoutMs)
    const unsubscribe = signal.subscribe((value) => {
      if (!predicate(value)) return
      clearTimeout(timer)
      unsubscribe()
      resolve(value)
    })
  })
}

const docId = (label: string) => `conn-${label}-${Date.now().toString(36)}`

describe('connection wrapper against the real server', () => {
  it('status goes connecting → connected; saved follows server echoes for inserts and deletions', async () => {
    const a = connect(docId('save'), 'Ada')
    expect(a.status.value).toBe('connecting')
    await waitFor(a.status, (s) => s === 'connected')
    await waitFor(a.synced, (s) => s)
    expect(a.saveState.value).toBe('saved')

    const seen: SaveState[] = []
    a.saveState.subscribe((s) => seen.push(s))
    const text = a.doc.getXmlFragment(CONTENT_FIELD)
    a.doc.getText(TITLE_FIELD).insert(0, 'Notes')
    expect(a.saveState.value).toBe('saving')
    await waitFor(a.saveState, (s) => s === 'saved')
    expect(seen).toEqual(['saving', 'saved'])
    expect(text.length).toBe(0)

    // A deletion advances no clock: it must still wait for the server.
    a.doc.getText(TITLE_FIELD).delete(0, 2)
    expect(a.saveState.value).toBe('saving')
    await waitFor(a.saveState, (s) => s === 'saved')

    // And it really is stored: the REST API reads the title from the stored document.
    const meta = (await (await fetch(`${server.url}/api/docs/${a.docId}`)).json()) as { title: string }
    expect(meta.title).toBe('tes')
  })

  it('presence: peers see each other, renames, and leaving', async () => {
    const id = docId('presence')
    const a = connect(id, 'Ada')
    const b = connect(id, 'Bob')
    await waitFor(a.peers, (p) => p.some((x) => x.name === 'Bob'))
    await waitFor(b.peers, (p) => p.some((x) => x.name === 'Ada'))
    expect(a.peers.value[0]).toMatchObject({ name: 'Ada', isLocal: true })

    b.setUser({ name: 'Robert', color: '#be185d' })
    await waitFor(a.peers, (p) => p.some((x) => x.name === 'Robert' && x.color === '#be185d'))

    const leftAt = Date.now()
    b.destroy()
    await waitFor(a.peers, (p) => p.length === 1, 1_000)
    expect(Date.now() - leftAt).toBeLessThan(1_000)
    await waitFor(a.activity, (entries) => entries.some((e) => e.kind === 'left' && e.name === 'Robert'))
  })

  it('offline when nothing answers; unsaved changes are reported as kept locally', async () => {
    const port = await freePort()
    const c = connect(docId('nobody'), 'Ada', `ws://127.0.0.1:${port}/collab`)
    await waitFor(c.status, (s) => s === 'offline')
    c.doc.getText(TITLE_FIELD).insert(0, 'x')
    expect(c.saveState.value).toBe('unsaved-offline')
  })

  it('deleting the document ends the session for good (no reconnect loop)', async () => {
    const id = docId('deleted')
    expect((await fetch(`${server.url}/api/docs/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(201)
    const a = connect(id, 'Ada')
    await waitFor(a.synced, (s) => s)
    const response = await fetch(`${server.url}/api/docs/${a.docId}`, { method: 'DELETE' })
    expect(response.status).toBe(204)
    const reason = await waitFor(a.closedReason, (r) => r !== null)
    expect(reason?.code).toBe(4404)
    expect(a.status.value).toBe('offline')
    // No reconnect is scheduled to go anywhere: still offline a while later.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(a.status.value).toBe('offline')
    expect(a.provider.shouldConnect).toBe(false)
  })
})
