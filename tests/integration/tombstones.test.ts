import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, writeSyncStep1, writeUpdate } from '../../lib/protocol'
import { SqliteStorage } from '../../server/storage/sqlite'
import { connectClient, connectSynced, type TestClient } from '../helpers/clients'
import { whenDoc } from '../helpers/events'
import { openRaw } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { readStoredDoc } from '../helpers/storage-inspect'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/** A real server (SQLite in a temp dir) and stock y-websocket clients over loopback WebSockets. */
let servers: RunningServer[] = []
const clients: TestClient[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy()
  for (const s of servers.splice(0)) await s.stop()
  for (const d of dirs.splice(0)) removeDir(d)
})

async function start(dataDir: string, overrides: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer(overrides, {}, dataDir)
  servers.push(server)
  return server
}

async function stop(server: RunningServer) {
  servers = servers.filter((s) => s !== server)
  await server.stop()
}

async function api(server: RunningServer, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${server.httpUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : null, text }
}

/**
 * Resolves with the code and reason of the close that makes a stock client stop for good
 * (4400–4499). The timer is only a net against a hang; the close event decides.
 */
function whenClosedForGood(client: TestClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the client was not closed for good within 10 s')), 10_000)
    client.provider.once('closed', (event) => {
      clearTimeout(timer)
      resolve({ code: event.code, reason: event.reason })
    })
  })
}

/** What the SQLite file holds for `docId`, read with a fresh read-only storage (no server code path). */
async function inspect(dataDir: string, docId: string) {
  const storage = new SqliteStorage({ dataDir, readonly: true })
  try {
    return { meta: await storage.getDocument(docId), deleted: await storage.isDeleted(docId), stored: await storage.load(docId) }
  } finally {
    await storage.close()
  }
}

describe('deleted documents stay deleted', () => {
  it('[L7][L5][H3] after DELETE: clients get 4404 and store nothing, GET is 404, PUT is 410, also after a restart; PUT {recreate} brings it back empty', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const first = await start(dataDir)
    const id = 'doomed'
    expect((await api(first, 'PUT', `/api/docs/${id}`, { title: 'Doomed' })).status).toBe(201)

    // A writer, whose document is also the browser's offline copy.
    const writer = connectClient(first.wsUrl, id)
    clients.push(writer)
    const offlineCopy = new Y.Doc()
    writer.doc.on('update', (update: Uint8Array) => Y.applyUpdate(offlineCopy, update))
    await new Promise<void>((resolve) => writer.provider.once('sync', () => resolve()))
    writer.doc.getText('body').insert(0, 'secret plans')
    await waitFor(async () => (await readStoredDoc(dataDir, id)).doc.getText('body').toString() === 'secret plans', 'the edit to be stored')

    const writerClosed = whenClosedForGood(writer)
    expect((await api(first, 'DELETE', `/api/docs/${id}`)).status).toBe(204)
    expect((await writerClosed).code).toBe(CloseCode.DocumentDeleted.code)
    expect(offlineCopy.getText('body').toString()).toBe('secret plans')

    // A stock client that kept the offline copy reconnects: turned away for good.
    const resurrector = connectClient(first.wsUrl, id, cloneDoc(offlineCopy))
    clients.push(resurrector)
    resurrector.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') resurrector.doc.getText('body').insert(0, 'and more ')
    })
    expect(await whenClosedForGood(resurrector)).toEqual({ code: CloseCode.DocumentDeleted.code, reason: CloseCode.DocumentDeleted.reason })

    // A raw client sends its sync step 1 and the whole offline state in the same breath.
    const raw = await openRaw(`${first.wsUrl}/collab/${id}`)
    raw.send(writeSyncStep1(Y.encodeStateVector(new Y.Doc())))
    raw.send(writeUpdate(Y.encodeStateAsUpdate(offlineCopy)))
    expect(await raw.closed).toEqual({ code: CloseCode.DocumentDeleted.code, reason: CloseCode.DocumentDeleted.reason })
    expect(raw.received).toEqual([])

    // Nothing stored, nothing loaded, unknown over REST, and creating it again is refused.
    expect(first.server.rooms.loadedRoom(id)).toBeUndefined()
    expect(await inspect(dataDir, id)).toEqual({ meta: null, deleted: true, stored: { snapshot: null, updates: [] } })
    expect((await api(first, 'GET', `/api/docs/${id}`)).status).toBe(404)
    expect((await api(first, 'GET', `/api/docs/${id}?format=text`)).status).toBe(404)
    expect((await api(first, 'PATCH', `/api/docs/${id}`, { title: 'x' })).status).toBe(404)
    expect((await api(first, 'DELETE', `/api/docs/${id}`)).status).toBe(404)
    expect((await api(first, 'GET', '/api/docs')).json.documents.map((d: { id: string }) => d.id)).not.toContain(id)
    const put = await api(first, 'PUT', `/api/docs/${id}`, {})
    expect(put.status).toBe(410)
    expect(put.json).toEqual({ error: expect.stringMatching(/deleted/), reason: 'Deleted' })
    expect((await api(first, 'PUT', `/api/docs/${id}`, { recreate: false })).status).toBe(410)
    expect((await api(first, 'POST', '/api/docs', { id })).status).toBe(410)
    expect((await api(first, 'POST', '/api/docs', {})).status).toBe(201)
    expect(await inspect(dataDir, id)).toEqual({ meta: null, deleted: true, stored: { snapshot: null, updates: [] } })

    // A restart on the same data directory remembers the deletion.
    await stop(first)
    const second = await start(dataDir)
    const afterRestart = await openRaw(`${second.wsUrl}/collab/${id}`)
    afterRestart.send(writeUpdate(Y.encodeStateAsUpdate(offlineCopy)))
    expect((await afterRestart.closed).code).toBe(CloseCode.DocumentDeleted.code)
    expect((await api(second, 'GET', `/api/docs/${id}`)).status).toBe(404)
    expect((await api(second, 'PUT', `/api/docs/${id}`, {})).status).toBe(410)
    expect(await inspect(dataDir, id)).toEqual({ meta: null, deleted: true, stored: { snapshot: null, updates: [] } })

    // Re-created explicitly: a new, empty document that syncs normally.
    const recreated = await api(second, 'PUT', `/api/docs/${id}`, { recreate: true, title: 'Second life' })
    expect(recreated.status).toBe(201)
    expect(recreated.json).toMatchObject({ id, title: 'Second life' })
    expect((await api(second, 'PUT', `/api/docs/${id}`, { recreate: true })).status).toBe(200)
    const a = await connectSynced(second.wsUrl, id)
    clients.push(a)
    expect(a.doc.getText('body').toString()).toBe('')
    expect(a.doc.getText('title').toString()).toBe('Second life')
    const b = await connectSynced(second.wsUrl, id)
    clients.push(b)
    a.doc.getText('body').insert(0, 'fresh start')
    await whenDoc(b.doc, () => b.doc.getText('body').toString() === 'fresh start', 'the edit to reach b')
    const after = await inspect(dataDir, id)
    expect(after.deleted).toBe(false)
    expect(after.meta?.title).toBe('Second life')
    expect((await readStoredDoc(dataDir, id)).doc.getText('body').toString()).toBe('fresh start')
    expect((await api(second, 'GET', '/api/docs')).json.documents.map((d: { id: string }) => d.id)).toContain(id)
  })

  it('[L7][Z2] with auth on, recreating needs the editor role, like any PUT', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const server = await start(dataDir, { authSecret: TEST_SECRET })
    const editor = await signToken({ sub: 'ed', docs: ['*'], role: 'editor' })
    const viewer = await signToken({ sub: 'vi', docs: ['*'], role: 'viewer' })
    expect((await api(server, 'PUT', '/api/docs/guarded', {}, editor)).status).toBe(201)
    expect((await api(server, 'DELETE', '/api/docs/guarded', undefined, editor)).status).toBe(204)
    expect((await api(server, 'PUT', '/api/docs/guarded', { recreate: true }, viewer)).status).toBe(403)
    expect((await api(server, 'PUT', '/api/docs/guarded', { recreate: true })).status).toBe(401)
    expect((await api(server, 'PUT', '/api/docs/guarded', {}, editor)).status).toBe(410)
    expect(await inspect(dataDir, 'guarded')).toMatchObject({ meta: null, deleted: true })
    expect((await api(server, 'PUT', '/api/docs/guarded', { recreate: true }, editor)).status).toBe(201)
    expect(await inspect(dataDir, 'guarded')).toMatchObject({ deleted: false })
  })
})

function cloneDoc(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}
