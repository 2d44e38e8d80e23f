import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DIGEST_QUIET_MS } from '../../server/documents/digests'
import { connectSynced, type TestClient } from '../helpers/clients'
import { advanceSettled, ManualClock } from '../helpers/manual-clock'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'
import { startReceiver } from '../helpers/webhook-receiver'

/**
 * The documents list and search (L8, L9) on the real server, on SQLite and on PostgreSQL, with
 * stock y-websocket clients over loopback. The server runs on a manual clock, so "after the
 * edits settle" is a step of the test, never a wait.
 */
const BASE = Date.UTC(2026, 0, 5, 9)
const pgAvailable = await postgresAvailability()

interface Backend {
  readonly name: string
  readonly available: boolean
  /** Settings for a server on a fresh store; `reopen` gives the same store to the next server. */
  fresh(): Promise<Store>
}

interface Store {
  readonly overrides: Record<string, string>
  readonly dataDir: string
  /** Makes the store look as a database from before digests: every digest gone. */
  forgetDigests(): Promise<void>
  drop(): Promise<void>
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    available: true,
    async fresh() {
      const dataDir = makeTempDir()
      return {
        overrides: {},
        dataDir,
        async forgetDigests() {
          const db = new Database(path.join(dataDir, 'tandem.db'))
          db.exec('DROP TABLE digests')
          db.close()
        },
        async drop() {
          removeDir(dataDir)
        },
      }
    },
  },
  {
    name: 'PostgreSQL',
    available: pgAvailable,
    async fresh() {
      const database: TestDatabase = await createTestDatabase()
      const dataDir = makeTempDir()
      return {
        overrides: { databaseUrl: database.url },
        dataDir,
        async forgetDigests() {
          const client = new pg.Client({ connectionString: database.url })
          await client.connect()
          await client.query('DROP TABLE digests; DELETE FROM tandem_migrations WHERE version = 7')
          await client.end()
        },
        async drop() {
          removeDir(dataDir)
          await database.drop()
        },
      }
    },
  },
]

interface Listed {
  id: string
  title: string
  updatedAt: string
  lastEditor: string | null
  preview: string | null
  snippet?: { text: string; highlights: Array<{ start: number; length: number }> } | null
}

describe.each(backends)('documents list and search on $name', (backend) => {
  let clock: ManualClock
  const servers: RunningServer[] = []
  const clients: TestClient[] = []
  const stores: Store[] = []

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const server of servers.splice(0)) await server.stop()
    for (const store of stores.splice(0)) await store.drop()
  })

  async function newStore(): Promise<Store> {
    const store = await backend.fresh()
    stores.push(store)
    return store
  }

  async function start(store: Store, overrides: Record<string, string> = {}): Promise<RunningServer> {
    clock = new ManualClock()
    const server = await startServer(
      // Heartbeats would fall due as the clock jumps; these tests are not about them.
      { heartbeatMs: String(30 * 24 * 3_600_000), ...store.overrides, ...overrides },
      { scheduler: clock, now: () => BASE + clock.now() },
      store.dataDir,
    )
    servers.push(server)
    return server
  }

  async function stop(server: RunningServer): Promise<void> {
    for (const client of clients.splice(0)) client.destroy()
    await server.stop()
    servers.splice(servers.indexOf(server), 1)
  }

  async function api(server: RunningServer, pathAndQuery: string, token?: string) {
    const res = await fetch(`${server.httpUrl}${pathAndQuery}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    const text = await res.text()
    return { status: res.status, json: text ? JSON.parse(text) : null }
  }

  async function list(server: RunningServer, query = '', token?: string): Promise<Listed[]> {
    const res = await api(server, `/api/docs${query}`, token)
    expect(res.status).toBe(200)
    return res.json.documents as Listed[]
  }

  /** A stock client that shows `name` in its presence, as the app does. */
  async function open(server: RunningServer, docId: string, name?: string, token?: string): Promise<TestClient> {
    const client = await connectSynced(server.wsUrl, docId, new Y.Doc(), token ? { token } : {})
    clients.push(client)
    if (name) client.provider.awareness.setLocalStateField('user', { name, color: '#3a5bd9' })
    return client
  }

  /** A paragraph at the end of the content, as the editor writes one. */
  function writeParagraph(client: TestClient, text: string): void {
    const content = client.doc.getXmlFragment('content')
    client.doc.transact(() => {
      const paragraph = new Y.XmlElement('paragraph')
      content.push([paragraph])
      const inline = new Y.XmlText()
      paragraph.insert(0, [inline])
      if (text) inline.insert(0, text)
    })
  }

  function writeTitle(client: TestClient, title: string): void {
    client.doc.getText('title').insert(0, title)
  }

  /** Waits for the changes of `documents` documents to be stored (digests scheduled), then lets the edits settle. */
  async function settle(server: RunningServer, documents = 1): Promise<void> {
    await waitFor(() => server.server.digests.pending === documents, `digests of ${documents} documents to be scheduled`)
    clock.advance(DIGEST_QUIET_MS)
    await server.server.digests.settled()
  }

  it.runIf(backend.available)('[L8][W1] opening a new id and leaving stores nothing; the first write creates the document', async () => {
    const hooks = await startReceiver(0, () => BASE + clock.now())
    const server = await start(await newStore(), {
      webhookUrl: hooks.url,
      webhookSecret: 'whsec_dGVzdC1zZWNyZXQtZm9yLWxpc3Qtd2ViaG9va3M=',
      webhookAllowPrivate: 'true',
      webhookTimeoutMs: '15000',
    })
    const webhooks = server.server.webhooks
    if (!webhooks) throw new Error('webhooks need durable storage')
    const looker = await open(server, 'just-looking', 'Ada')
    looker.destroy()
    expect(await list(server)).toEqual([])
    expect((await api(server, '/api/docs/just-looking')).status).toBe(404)
    const stored = await server.server.storage.load('just-looking')
    expect(stored.snapshot).toBeNull()
    expect(stored.updates).toHaveLength(0)

    const writer = await open(server, 'first-write', 'Ada')
    writeParagraph(writer, 'H')
    await waitFor(async () => (await api(server, '/api/docs/first-write')).status === 200, 'the first keystroke to create the document')
    // Listed at once (its digest is not computed yet, so nothing says it is empty).
    expect((await list(server)).map((doc) => doc.id)).toEqual(['first-write'])
    // The append that created it announced it; the id only looked at never was.
    for (let step = 0; step < 30 && hooks.of('document.created').length === 0; step++) {
      await advanceSettled(clock, 1_000, () => webhooks.settled())
    }
    expect(hooks.of('document.created').map((hook) => hook.payload.data.documentId)).toEqual(['first-write'])
    await hooks.close()
  })

  it.runIf(backend.available)('[L9] preview and last editor appear once edits settle; sorted by last edit', async () => {
    const server = await start(await newStore())
    const ada = await open(server, 'notes', 'Ada')
    writeTitle(ada, 'Meeting notes')
    writeParagraph(ada, 'Agenda:   budget\tand hiring.')
    writeParagraph(ada, `Second paragraph ${'long '.repeat(40)}`)
    await waitFor(async () => (await list(server)).length === 1, 'the document to be listed')
    expect((await list(server))[0]).toMatchObject({ id: 'notes', title: 'Meeting notes', preview: null, lastEditor: null })
    await settle(server)
    const [notes] = await list(server)
    expect(notes?.lastEditor).toBe('Ada')
    // The text, not the title; blocks and whitespace run together on one line, cut near 140.
    expect(notes?.preview?.startsWith('Agenda: budget and hiring. Second paragraph long long')).toBe(true)
    expect(notes?.preview?.endsWith('…')).toBe(true)
    expect(Array.from(notes?.preview ?? '').length).toBeLessThanOrEqual(141)

    clock.advance(60_000)
    const grace = await open(server, 'plan', 'Grace')
    writeParagraph(grace, 'A plan')
    await settle(server)
    expect((await list(server)).map((doc) => [doc.id, doc.lastEditor])).toEqual([
      ['plan', 'Grace'],
      ['notes', 'Ada'],
    ])

    clock.advance(60_000)
    writeParagraph(await open(server, 'notes', 'Grace'), 'Grace was here')
    await settle(server)
    expect((await list(server)).map((doc) => [doc.id, doc.lastEditor])).toEqual([
      ['notes', 'Grace'],
      ['plan', 'Grace'],
    ])
  })

  it.runIf(backend.available)('[L9] search finds titles and text, every word, case-insensitively, with a snippet', async () => {
    const server = await start(await newStore())
    const a = await open(server, 'quarterly', 'Ada')
    writeTitle(a, 'Quarterly Report')
    writeParagraph(a, 'Revenue grew in the north. The Zebra crossing project is late; ZEBRA stripes cost more.')
    const b = await open(server, 'recipes', 'Ada')
    writeTitle(b, 'Recipes')
    writeParagraph(b, 'Bake the bread at 220 °C. Straße café naïve.')
    await settle(server, 2)

    expect((await list(server, '?q=quarterly')).map((doc) => doc.id)).toEqual(['quarterly'])
    const zebra = await list(server, '?q=zebra%20LATE')
    expect(zebra.map((doc) => doc.id)).toEqual(['quarterly'])
    const snippet = zebra[0]?.snippet
    expect(snippet?.text).toContain('Zebra crossing project is late')
    const marked = snippet?.highlights.map((h) => snippet.text.slice(h.start, h.start + h.length))
    expect(marked).toEqual(['Zebra', 'late', 'ZEBRA'])
    // Beyond ASCII, and a title-only match has no snippet.
    expect((await list(server, '?q=STRASSE')).map((doc) => doc.id)).toEqual([])
    expect((await list(server, '?q=stra%C3%9FE%20CAF%C3%89')).map((doc) => doc.id)).toEqual(['recipes'])
    expect((await list(server, '?q=recipes'))[0]?.snippet).toBeNull()
    expect(await list(server, '?q=zebra%20bread')).toEqual([])
    // An empty query is the list; a silly one is refused with a reason.
    expect((await list(server, '?q=%20%20')).map((doc) => doc.id).sort()).toEqual(['quarterly', 'recipes'])
    const long = await api(server, `/api/docs?q=${'a'.repeat(201)}`)
    expect(long.status).toBe(400)
    expect(long.json.error).toMatch(/longer than 200/)
  })

  it.runIf(backend.available)('[L9][Z1] with auth, the list and search hold only the documents the token grants', async () => {
    const server = await start(await newStore(), { authSecret: TEST_SECRET })
    const admin = await signToken({ sub: 'admin', name: 'Admin', docs: ['*'], role: 'editor' })
    const teamOnly = await signToken({ sub: 'guest', docs: ['team-*'], role: 'viewer' })
    for (const id of ['team-plan', 'secret-plan']) {
      const client = await open(server, id, undefined, admin)
      writeParagraph(client, 'the launch plan')
    }
    await settle(server, 2)
    expect((await list(server, '?q=launch', admin)).map((doc) => doc.id).sort()).toEqual(['secret-plan', 'team-plan'])
    expect((await list(server, '?q=launch', teamOnly)).map((doc) => doc.id)).toEqual(['team-plan'])
    expect((await list(server, '', teamOnly)).map((doc) => doc.id)).toEqual(['team-plan'])
    // The token's name is who edited.
    expect((await list(server, '', admin))[0]?.lastEditor).toBe('Admin')
    expect((await api(server, '/api/docs?q=launch')).status).toBe(401)
  })

  it.runIf(backend.available)('[L8] documents nobody named or wrote in are hidden, old ones from before digests too', async () => {
    const store = await newStore()
    let server = await start(store)
    // What a browser wrote on opening before L8: an empty paragraph, no title.
    writeParagraph(await open(server, 'opened-once'), '')
    writeParagraph(await open(server, 'has-text'), 'Some words')
    const named = await open(server, 'named-only')
    writeTitle(named, 'Named')
    expect((await api(server, '/api/docs/empty-new', undefined)).status).toBe(404)
    await fetch(`${server.httpUrl}/api/docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"empty-new"}',
    })
    await settle(server, 3)
    const listedIds = async () => (await list(server)).map((doc) => doc.id).sort()
    expect(await listedIds()).toEqual(['has-text', 'named-only'])
    // Still documents: readable, just not worth a row.
    expect((await api(server, '/api/docs/opened-once')).status).toBe(200)
    expect((await api(server, '/api/docs/empty-new')).status).toBe(200)

    // A database from before digests: the server computes them all when it starts.
    await stop(server)
    await store.forgetDigests()
    server = await start(store)
    await server.server.digests.settled()
    expect(await listedIds()).toEqual(['has-text', 'named-only'])
    expect((await list(server)).find((doc) => doc.id === 'has-text')?.preview).toBe('Some words')
    expect((await list(server, '?q=words')).map((doc) => doc.id)).toEqual(['has-text'])
  })

  it.runIf(backend.available)('[L9] a restart keeps previews, last editors and search', async () => {
    const store = await newStore()
    let server = await start(store)
    writeParagraph(await open(server, 'kept', 'Ada'), 'Survives restarts')
    await waitFor(() => server.server.digests.pending > 0, 'a digest to be scheduled')
    // Stopping computes the digest still waiting.
    await stop(server)
    server = await start(store)
    await server.server.digests.settled()
    expect((await list(server))[0]).toMatchObject({ id: 'kept', lastEditor: 'Ada', preview: 'Survives restarts' })
    expect((await list(server, '?q=survives'))[0]?.id).toBe('kept')
  })

  it.runIf(backend.available)('[L7][L9] a deleted document leaves the list and search with its digest', async () => {
    const server = await start(await newStore())
    const client = await open(server, 'doomed', 'Ada')
    writeParagraph(client, 'unique-word')
    await settle(server)
    expect((await list(server, '?q=unique-word')).map((doc) => doc.id)).toEqual(['doomed'])
    const res = await fetch(`${server.httpUrl}/api/docs/doomed`, { method: 'DELETE' })
    expect(res.status).toBe(204)
    expect(await list(server, '?q=unique-word')).toEqual([])
    expect(await server.server.storage.documentTexts(['doomed'])).toEqual(new Map())
  })
})
