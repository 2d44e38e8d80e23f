import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { toText } from '../../lib/document'
import { CONTENT_FIELD, HISTORY_FIELD, type LastRestore, TITLE_FIELD } from '../../lib/protocol'
import { SqliteStorage } from '../../server/storage/sqlite'
import { packState } from '../../server/versions/state-packing'
import type { VersionEvents } from '../../server/versions/version-service'
import { connectSynced, type TestClient } from '../helpers/clients'
import { GatedStorage } from '../helpers/gated-storage'
import { ManualClock } from '../helpers/manual-clock'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/**
 * Version history over REST against a real server and stock y-websocket clients (server rules V1–V7).
 * Content is written the way the editor stores it: paragraphs (Y.XmlElement) of Y.XmlText in
 * the `content` fragment, the title in the `title` Y.Text.
 */

interface Api {
  status: number
  type: string
  text: string
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field
  json: any
  bytes: Uint8Array
}

function apiOf(running: () => RunningServer) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Api> => {
    const res = await fetch(`${running().httpUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const text = new TextDecoder().decode(bytes)
    const type = res.headers.get('content-type') ?? ''
    return { status: res.status, type, text, bytes, json: type.includes('json') && text ? JSON.parse(text) : null }
  }
}

function addParagraph(doc: Y.Doc, text: string): void {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  const content = doc.getXmlFragment(CONTENT_FIELD)
  content.insert(content.length, [paragraph])
}

function replaceParagraphs(doc: Y.Doc, texts: string[]): void {
  doc.transact(() => {
    const content = doc.getXmlFragment(CONTENT_FIELD)
    content.delete(0, content.length)
    for (const text of texts) addParagraph(doc, text)
  })
}

function setTitle(doc: Y.Doc, title: string): void {
  const text = doc.getText(TITLE_FIELD)
  doc.transact(() => {
    text.delete(0, text.length)
    text.insert(0, title)
  })
}

const VERSION_SHAPE = {
  id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
  createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  size: expect.any(Number),
}

describe('versions REST', () => {
  let running: RunningServer
  let gated: GatedStorage
  /** What the version events listener (webhooks) was told. */
  const events: Array<Record<string, unknown>> = []
  const clients: TestClient[] = []
  const api = apiOf(() => running)
  const connect = async (docId: string) => {
    const client = await connectSynced(running.wsUrl, docId)
    clients.push(client)
    return client
  }
  /** The document's stored content as plain text (REST reads only what is stored). */
  const storedText = async (docId: string) => (await api('GET', `/api/docs/${docId}/content?format=text`)).text

  beforeAll(async () => {
    const dataDir = makeTempDir()
    gated = new GatedStorage(new SqliteStorage({ dataDir }))
    const versionEvents: VersionEvents = {
      versionCreated: (docId, version) => events.push({ kind: 'created', docId, id: version.id }),
      documentRestored: (docId, { version, backup, by }) => events.push({ kind: 'restored', docId, id: version.id, backup: backup.id, by }),
    }
    running = await startServer({}, { storage: gated, versionEvents }, dataDir)
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy()
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })

  /** A document with a title and two paragraphs, stored, and a client connected to it. */
  async function documentWith(docId: string, title: string, texts: string[]): Promise<TestClient> {
    const client = await connect(docId)
    client.doc.transact(() => {
      setTitle(client.doc, title)
      for (const text of texts) addParagraph(client.doc, text)
    })
    await waitFor(async () => (await storedText(docId)) === texts.join('\n'), `${docId} to be stored`)
    return client
  }

  it('[V4] POST saves the stored state as a version: 201 with its JSON, listed newest first', async () => {
    await documentWith('v-named', 'Plan', ['First draft'])
    const first = await api('POST', '/api/docs/v-named/versions', { name: 'Sent to Ana', user: { name: 'Ben' } })
    expect(first.status).toBe(201)
    expect(first.json).toEqual({ ...VERSION_SHAPE, name: 'Sent to Ana', automatic: false, author: { name: 'Ben' } })
    expect(first.json.size).toBeGreaterThan(10)
    const second = await api('POST', '/api/docs/v-named/versions', {})
    expect(second.status).toBe(201)
    expect(second.json).toEqual({ ...VERSION_SHAPE, name: null, automatic: false, author: null })
    const list = await api('GET', '/api/docs/v-named/versions')
    expect(list.status).toBe(200)
    expect(list.json).toEqual({ versions: [second.json, first.json] })
  })

  it('[V5] a version previews in the five content formats, from its own state', async () => {
    const client = await documentWith('v-preview', 'Notes', ['Old text'])
    const saved = (await api('POST', '/api/docs/v-preview/versions', { name: 'old' })).json
    replaceParagraphs(client.doc, ['New text'])
    await waitFor(async () => (await storedText('v-preview')) === 'New text', 'the new text to be stored')
    const base = `/api/docs/v-preview/versions/${saved.id}`
    const json = await api('GET', base)
    expect(json.status).toBe(200)
    expect(json.json).toEqual({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Old text' }] }] })
    expect((await api('GET', `${base}?format=json`)).json).toEqual(json.json)
    expect(await api('GET', `${base}?format=text`)).toMatchObject({ status: 200, text: 'Old text', type: 'text/plain; charset=utf-8' })
    expect(await api('GET', `${base}?format=markdown`)).toMatchObject({ status: 200, text: 'Old text' })
    expect(await api('GET', `${base}?format=html`)).toMatchObject({ status: 200, text: '<p>Old text</p>' })
    const yjs = await api('GET', `${base}?format=yjs`)
    expect(yjs.type).toBe('application/octet-stream')
    const copy = new Y.Doc()
    Y.applyUpdate(copy, yjs.bytes)
    expect(toText(copy)).toBe('Old text')
    expect(copy.getText(TITLE_FIELD).toString()).toBe('Notes')
    expect((await api('GET', `${base}?format=pdf`)).status).toBe(400)
    // The live document was not touched.
    expect(await storedText('v-preview')).toBe('New text')
    expect(toText(client.doc)).toBe('New text')
  })

  it('[V4] PATCH names or renames a version; unknown versions are 404, bad bodies 400', async () => {
    await documentWith('v-rename', 'T', ['x'])
    const saved = (await api('POST', '/api/docs/v-rename/versions', {})).json
    const named = await api('PATCH', `/api/docs/v-rename/versions/${saved.id}`, { name: '  Final  ' })
    expect(named.status).toBe(200)
    expect(named.json).toEqual({ ...saved, name: 'Final' })
    expect((await api('GET', '/api/docs/v-rename/versions')).json.versions[0].name).toBe('Final')
    expect((await api('PATCH', '/api/docs/v-rename/versions/nope', { name: 'x' })).status).toBe(404)
    expect((await api('GET', '/api/docs/v-rename/versions/nope')).status).toBe(404)
    expect((await api('GET', '/api/docs/v-rename/versions/..%2F..')).status).toBe(404)
    expect((await api('POST', '/api/docs/v-rename/versions/nope/restore', {})).status).toBe(404)
    for (const body of [{}, { name: '' }, { name: 7 }, { name: 'x', extra: 1 }, 'not json']) {
      const res = await api('PATCH', `/api/docs/v-rename/versions/${saved.id}`, body)
      expect(res.status).toBe(400)
      expect(res.json.error).toEqual(expect.any(String))
    }
    expect((await api('POST', '/api/docs/v-rename/versions', { name: 'x'.repeat(201) })).status).toBe(400)
    expect((await api('POST', '/api/docs/v-rename/versions', { user: { name: 'Ann', color: 'red;' } })).status).toBe(400)
    expect((await api('POST', `/api/docs/v-rename/versions/${saved.id}/restore`, { user: 'Ann' })).status).toBe(400)
    expect((await api('DELETE', `/api/docs/v-rename/versions/${saved.id}`)).status).toBe(405)
    expect((await api('GET', `/api/docs/v-rename/versions/${saved.id}/restore`)).status).toBe(405)
    expect((await api('GET', '/api/docs/v-rename/versions')).json.versions).toHaveLength(1)
    expect((await api('GET', '/api/docs/never-made/versions')).status).toBe(404)
    expect((await api('POST', '/api/docs/never-made/versions', {})).status).toBe(404)
  })

  it('[V6] restore is a forward change: live editors see it, the state before is saved, lastRestore says who', async () => {
    const alice = await documentWith('v-restore', 'Plan', ['Alpha', 'Beta'])
    const watcher = await connect('v-restore')
    const old = (await api('POST', '/api/docs/v-restore/versions', { name: 'Two paragraphs' })).json
    replaceParagraphs(alice.doc, ['Rewritten'])
    setTitle(alice.doc, 'Plan v2')
    await waitFor(async () => (await storedText('v-restore')) === 'Rewritten', 'the rewrite to be stored')
    await waitFor(() => toText(watcher.doc) === 'Rewritten', 'the watcher to see the rewrite')

    const res = await api('POST', `/api/docs/v-restore/versions/${old.id}/restore`, { user: { name: 'Ben', color: '#2b6cb0' } })
    expect(res.status).toBe(200)
    expect(res.json.restored).toEqual(old)
    expect(res.json.backup).toEqual({
      ...VERSION_SHAPE,
      name: 'Before restoring “Two paragraphs”',
      automatic: false,
      author: { name: 'Ben' },
    })
    // Every open editor shows it at once, title included, with who restored what.
    for (const client of [alice, watcher]) {
      await waitFor(() => toText(client.doc) === 'Alpha\nBeta', 'the restored text to reach a client')
      expect(client.doc.getText(TITLE_FIELD).toString()).toBe('Plan')
      const record = client.doc.getMap(HISTORY_FIELD).get('lastRestore') as LastRestore
      expect(record).toEqual({
        versionId: old.id,
        versionName: 'Two paragraphs',
        versionCreatedAt: Date.parse(old.createdAt),
        by: { name: 'Ben', color: '#2b6cb0' },
        at: expect.any(Number),
      })
    }
    expect(await storedText('v-restore')).toBe('Alpha\nBeta')
    // The events listener heard of the saved version, then the backup, then the restore.
    expect(events.filter((e) => e.docId === 'v-restore')).toEqual([
      { kind: 'created', docId: 'v-restore', id: old.id },
      { kind: 'created', docId: 'v-restore', id: res.json.backup.id },
      { kind: 'restored', docId: 'v-restore', id: old.id, backup: res.json.backup.id, by: { name: 'Ben', color: '#2b6cb0' } },
    ])
    expect((await api('GET', '/api/docs/v-restore')).json.title).toBe('Plan')
    // The backup holds the state before, and restoring it undoes the restore.
    expect((await api('GET', `/api/docs/v-restore/versions/${res.json.backup.id}?format=text`)).text).toBe('Rewritten')
    const undo = await api('POST', `/api/docs/v-restore/versions/${res.json.backup.id}/restore`, {})
    expect(undo.status).toBe(200)
    expect(undo.json.backup.name).toBe('Before restoring “Before restoring “Two paragraphs””')
    await waitFor(() => toText(watcher.doc) === 'Rewritten', 'the undo to reach the watcher')
    expect((watcher.doc.getMap(HISTORY_FIELD).get('lastRestore') as LastRestore).by).toEqual({ name: 'Someone' })
    const versions = (await api('GET', '/api/docs/v-restore/versions')).json.versions
    expect(versions.map((v: { id: string }) => v.id)).toEqual([undo.json.backup.id, res.json.backup.id, old.id])
  })

  it('[V6] an edit made while the restore runs survives it', async () => {
    const typist = await documentWith('v-concurrent', 'T', ['Kept', 'Replaced'])
    const old = (await api('POST', '/api/docs/v-concurrent/versions', {})).json
    replaceParagraphs(typist.doc, ['Replacement'])
    await waitFor(async () => (await storedText('v-concurrent')) === 'Replacement', 'the replacement to be stored')
    // The restore reads the document, then waits while saving its backup; meanwhile the typist,
    // who has not seen the restore, types a paragraph that is stored before the restore commits.
    const release = gated.holdVersionSaves()
    const calls = gated.versionSaveCalls
    const restoring = api('POST', `/api/docs/v-concurrent/versions/${old.id}/restore`, {})
    await waitFor(() => gated.versionSaveCalls > calls, 'the restore to save its backup')
    addParagraph(typist.doc, 'Typed during the restore')
    await waitFor(async () => (await storedText('v-concurrent')) === 'Replacement\nTyped during the restore', 'the typing to be stored')
    release()
    const restored = await restoring
    expect(restored.status).toBe(200)
    // An unnamed version is named by its time.
    expect(restored.json.backup.name).toMatch(/^Before restoring \d{4}-\d\d-\d\d \d\d:\d\d UTC$/)
    // Every paragraph of the version is back, the typed one is kept (where concurrent inserts
    // land relative to each other is the CRDT's choice), and the replacement is gone.
    const paragraphs = (text: string) => text.split('\n').sort()
    const expected = ['Kept', 'Replaced', 'Typed during the restore']
    await waitFor(async () => paragraphs(await storedText('v-concurrent')).join() === expected.join(), 'the restore to be stored')
    await waitFor(async () => toText(typist.doc) === (await storedText('v-concurrent')), 'the typist to converge')
  })

  it('[V6] a client offline during the restore does not bring the replaced text back', async () => {
    const alice = await documentWith('v-offline', 'T', ['Original'])
    const old = (await api('POST', '/api/docs/v-offline/versions', {})).json
    replaceParagraphs(alice.doc, ['Replaced later'])
    await waitFor(async () => (await storedText('v-offline')) === 'Replaced later', 'the change to be stored')
    const offline = await connect('v-offline')
    expect(toText(offline.doc)).toBe('Replaced later')
    offline.provider.disconnect()
    expect((await api('POST', `/api/docs/v-offline/versions/${old.id}/restore`, {})).status).toBe(200)
    await waitFor(() => toText(alice.doc) === 'Original', 'alice to see the restore')
    // Back online with its copy of the replaced text: the sync deletes it there, and brings nothing back here.
    offline.provider.connect()
    await waitFor(() => offline.provider.synced && toText(offline.doc) === 'Original', 'the offline client to catch up')
    expect(await storedText('v-offline')).toBe('Original')
    expect(toText(alice.doc)).toBe('Original')
  })

  it('[L7] versions of a deleted document are 404 and gone with it', async () => {
    await documentWith('v-deleted', 'T', ['x'])
    const saved = (await api('POST', '/api/docs/v-deleted/versions', {})).json
    expect((await api('DELETE', '/api/docs/v-deleted')).status).toBe(204)
    expect((await api('GET', '/api/docs/v-deleted/versions')).status).toBe(404)
    expect((await api('GET', `/api/docs/v-deleted/versions/${saved.id}`)).status).toBe(404)
    expect((await api('POST', '/api/docs/v-deleted/versions', {})).status).toBe(404)
    expect(await gated.listVersions('v-deleted')).toEqual([])
  })
})

describe('versions and access control', () => {
  let running: RunningServer
  const api = apiOf(() => running)
  beforeAll(async () => {
    running = await startServer({ authSecret: TEST_SECRET })
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })

  it('[V7] viewers list and preview; saving, naming and restoring need an editor, who is the author', async () => {
    const editor = { authorization: `Bearer ${await signToken({ sub: 'u-ann', name: 'Ann', docs: ['*'], role: 'editor' })}` }
    const viewer = { authorization: `Bearer ${await signToken({ sub: 'u-vic', docs: ['*'], role: 'viewer' })}` }
    expect((await api('PUT', '/api/docs/v-auth', { title: 'Secret' }, editor)).status).toBe(201)
    const saved = await api('POST', '/api/docs/v-auth/versions', { name: 'n', user: { name: 'Claimed' } }, editor)
    expect(saved.status).toBe(201)
    expect(saved.json.author).toEqual({ name: 'Ann', id: 'u-ann' })
    expect((await api('GET', '/api/docs/v-auth/versions', undefined, viewer)).status).toBe(200)
    expect((await api('GET', `/api/docs/v-auth/versions/${saved.json.id}?format=text`, undefined, viewer)).status).toBe(200)
    for (const [method, path] of [
      ['POST', '/api/docs/v-auth/versions'],
      ['PATCH', `/api/docs/v-auth/versions/${saved.json.id}`],
      ['POST', `/api/docs/v-auth/versions/${saved.json.id}/restore`],
    ] as const) {
      const res = await api(method, path, { name: 'x' }, viewer)
      expect(res.status).toBe(403)
      expect(res.json.reason).toBe('InsufficientRole')
    }
    expect((await api('GET', '/api/docs/v-auth/versions')).status).toBe(401)
    const restored = await api('POST', `/api/docs/v-auth/versions/${saved.json.id}/restore`, {}, editor)
    expect(restored.status).toBe(200)
    expect(restored.json.backup.author).toEqual({ name: 'Ann', id: 'u-ann' })
  })
})

describe('automatic versions', () => {
  const INTERVAL = 600_000
  /** Wall-clock time of the server: a fixed day plus the manual clock. */
  const BASE = Date.UTC(2026, 5, 1, 9)
  let clock: ManualClock
  let running: RunningServer
  const clients: TestClient[] = []
  const api = apiOf(() => running)
  const versionsOf = async (docId: string) =>
    (await api('GET', `/api/docs/${docId}/versions`)).json.versions as Array<{
      id: string
      automatic: boolean
      name: string | null
      createdAt: string
    }>
  /** The stored text; empty for a document not stored yet. */
  const storedText = async (docId: string) => {
    const res = await api('GET', `/api/docs/${docId}/content?format=text`)
    return res.status === 404 ? '' : res.text
  }

  beforeAll(async () => {
    clock = new ManualClock()
    // Heartbeats far apart: the clock jumps by whole intervals while the clients idle.
    running = await startServer({ heartbeatMs: String(30 * 24 * 3_600_000) }, { scheduler: clock, now: () => BASE + clock.now() })
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy()
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })

  /** Types a paragraph and waits until it is stored and its version timer, if any, is set. */
  async function type(client: TestClient, docId: string, text: string): Promise<void> {
    const before = await storedText(docId)
    addParagraph(client.doc, text)
    const expected = before === '' ? text : `${before}\n${text}`
    await waitFor(async () => (await storedText(docId)) === expected, `"${text}" to be stored`)
  }

  it('[V2] one version per interval, one interval after the first change, only when the document changed', async () => {
    const client = await connectSynced(running.wsUrl, 'auto')
    clients.push(client)
    await type(client, 'auto', 'one')
    const start = clock.now()
    expect(running.server.versions.automaticVersionsDue).toBe(1)
    clock.advance(INTERVAL / 2)
    await type(client, 'auto', 'two')
    clock.advance(INTERVAL / 2 - 1)
    expect(await versionsOf('auto')).toEqual([])
    clock.advance(1)
    await waitFor(async () => (await versionsOf('auto')).length === 1, 'the first automatic version')
    const [first] = await versionsOf('auto')
    expect(first).toMatchObject({ automatic: true, name: null, author: null, createdAt: new Date(BASE + start + INTERVAL).toISOString() })
    expect((await api('GET', `/api/docs/auto/versions/${first?.id}?format=text`)).text).toBe('one\ntwo')
    // Nobody edits: no timer, no version, however long.
    expect(running.server.versions.automaticVersionsDue).toBe(0)
    clock.advance(5 * INTERVAL)
    // A change starts the next interval; the version comes one interval after it.
    await type(client, 'auto', 'three')
    clock.advance(INTERVAL)
    await waitFor(async () => (await versionsOf('auto')).length === 2, 'the second automatic version')
    const [second] = await versionsOf('auto')
    expect((await api('GET', `/api/docs/auto/versions/${second?.id}?format=text`)).text).toBe('one\ntwo\nthree')
    expect(Date.parse(second?.createdAt ?? '')).toBe(BASE + start + 7 * INTERVAL)
  })

  it('[V2] a document that equals its newest version gets no automatic version', async () => {
    const client = await connectSynced(running.wsUrl, 'auto-same')
    clients.push(client)
    await type(client, 'auto-same', 'text')
    const named = (await api('POST', '/api/docs/auto-same/versions', { name: 'by hand' })).json
    clock.advance(INTERVAL)
    await waitFor(() => running.server.versions.automaticVersionsDue === 0, 'the timer to run')
    // The next change shows the check ran and stored nothing: its version is the only automatic one.
    await type(client, 'auto-same', 'more')
    clock.advance(INTERVAL)
    await waitFor(async () => (await versionsOf('auto-same')).length === 2, 'the automatic version after the change')
    expect((await versionsOf('auto-same')).map((v) => [v.automatic, v.name])).toEqual([
      [true, null],
      [false, 'by hand'],
    ])
    expect((await versionsOf('auto-same'))[1]?.id).toBe(named.id)
  })

  it('[V3] each automatic version thins the older ones, never a named one', async () => {
    const client = await connectSynced(running.wsUrl, 'auto-thin')
    clients.push(client)
    await type(client, 'auto-thin', 'text')
    // Three automatic versions and a named one from one clock hour two days ago.
    const now = BASE + clock.now()
    const hourStart = Math.floor((now - 2 * 24 * 3_600_000) / 3_600_000) * 3_600_000
    // Their content differs from the document's (an empty document), so a new version is due.
    const state = await packState(Y.encodeStateAsUpdate(new Y.Doc()))
    for (const [id, minute, name] of [
      ['old-a', 5, null],
      ['old-b', 15, 'Named long ago'],
      ['old-c', 25, null],
      ['old-d', 35, null],
    ] as const) {
      await running.server.storage.saveVersion('auto-thin', {
        id,
        name,
        author: null,
        createdAt: hourStart + minute * 60_000,
        automatic: true,
        state,
      })
    }
    clock.advance(INTERVAL)
    await waitFor(async () => (await versionsOf('auto-thin')).length === 3, 'the new version and the thinning')
    const left = (await versionsOf('auto-thin')).map((v) => v.id)
    expect(left.slice(1)).toEqual(['old-d', 'old-b'])
  })
})

describe('versions across compaction and restarts', () => {
  it('[V1] versions survive compaction and a restart, and restore still works', async () => {
    const dataDir = makeTempDir()
    let running = await startServer({ compactAfterUpdates: '5' }, {}, dataDir)
    const api = apiOf(() => running)
    try {
      const client = await connectSynced(running.wsUrl, 'durable')
      addParagraph(client.doc, 'Saved')
      await waitFor(async () => (await api('GET', '/api/docs/durable/content?format=text')).text === 'Saved', 'the text to be stored')
      const saved = (await api('POST', '/api/docs/durable/versions', { name: 'before compaction' })).json
      for (let i = 0; i < 8; i++) addParagraph(client.doc, `later ${i}`)
      await waitFor(async () => (await running.server.storage.load('durable')).snapshot !== null, 'a compaction')
      expect((await api('GET', '/api/docs/durable/versions')).json.versions).toEqual([saved])
      client.destroy()
      await running.stop()
      running = await startServer({}, {}, dataDir)
      expect((await api('GET', '/api/docs/durable/versions')).json.versions).toEqual([saved])
      expect((await api('GET', `/api/docs/durable/versions/${saved.id}?format=text`)).text).toBe('Saved')
      expect((await api('POST', `/api/docs/durable/versions/${saved.id}/restore`, {})).status).toBe(200)
      expect((await api('GET', '/api/docs/durable/content?format=text')).text).toBe('Saved')
    } finally {
      await running.stop()
      removeDir(dataDir)
    }
  })
})

describe.runIf(await postgresAvailability())('automatic versions of servers sharing PostgreSQL', () => {
  const INTERVAL = 600_000
  const BASE = Date.UTC(2026, 5, 2, 9)
  let database: TestDatabase
  let clock: ManualClock
  const servers: RunningServer[] = []
  const clients: TestClient[] = []
  beforeAll(async () => {
    database = await createTestDatabase()
    clock = new ManualClock()
    for (let i = 0; i < 2; i++) {
      servers.push(
        await startServer(
          { databaseUrl: database.url, heartbeatMs: String(30 * 24 * 3_600_000) },
          { scheduler: clock, now: () => BASE + clock.now() },
        ),
      )
    }
  })
  afterAll(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const running of servers.splice(0)) {
      await running.stop()
      removeDir(running.dataDir)
    }
    await database.drop()
  })

  it('[V2] two servers whose clients edit one document save one automatic version per interval between them', async () => {
    for (const [i, running] of servers.entries()) {
      const client = await connectSynced(running.wsUrl, 'shared')
      clients.push(client)
      addParagraph(client.doc, `from server ${i}`)
    }
    // Each server stored its client's change and set its own timer, due at the same instant.
    await waitFor(() => servers.every((s) => s.server.versions.automaticVersionsDue === 1), 'both timers')
    clock.advance(INTERVAL)
    const [a, b] = servers.map((s) => s.server)
    if (!a || !b) throw new Error('unreachable: two servers')
    // One saved it; the other found it, stored nothing and checks again one interval later.
    await waitFor(
      async () =>
        (await a.storage.listVersions('shared')).length === 1 && a.versions.automaticVersionsDue + b.versions.automaticVersionsDue === 1,
      'one version, and the other server to re-check later',
    )
    expect((await a.storage.listVersions('shared'))[0]).toMatchObject({ automatic: true, createdAt: BASE + INTERVAL })
  })
})
