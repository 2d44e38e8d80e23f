import http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { toText } from '../../lib/document'
import { connectSynced, type TestClient } from '../helpers/clients'
import { type Cluster, startCluster } from '../helpers/cluster'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RedisProcess, redisAvailability, startRedis } from '../helpers/redis'
import { type RunningServer, startServer } from '../helpers/server'
import { removeDir } from '../helpers/temp-dir'
import { signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

/** Writing content over REST (SPEC H6) and seeding it once (H7), on real servers. */

interface Answer {
  readonly status: number
  readonly text: string
  readonly json: Record<string, unknown> | null
}

async function call(base: string, method: string, path: string, body?: string, type?: string, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (type) headers['content-type'] = type
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(`${base}${path}`, { method, headers, body })
  const text = await res.text()
  return { status: res.status, text, json: (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : null }
}

/**
 * Requests whose headers go out first and whose bodies all go out at once, when every
 * connection is open: the servers have each request parked at reading its body, so the
 * callers race as closely as the network lets them (H7's races).
 */
async function racingRequests(
  requests: ReadonlyArray<{ base: string; method: string; path: string; body: string; type: string }>,
): Promise<Answer[]> {
  const pending = requests.map(({ base, method, path, body, type }) => {
    const req = http.request(`${base}${path}`, {
      method,
      // A connection of its own: the test waits for each to open.
      agent: false,
      headers: { 'content-type': type, 'content-length': Buffer.byteLength(body) },
    })
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on('error', reject)
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, text, json: text.startsWith('{') ? JSON.parse(text) : null })
        })
        res.on('error', reject)
      })
    })
    const connected = new Promise<void>((resolve) =>
      req.on('socket', (socket) => (socket.connecting ? socket.once('connect', () => resolve()) : resolve())),
    )
    req.flushHeaders()
    return { req, body, answer, connected }
  })
  await Promise.all(pending.map((request) => request.connected))
  for (const request of pending) request.req.end(request.body)
  return Promise.all(pending.map((request) => request.answer))
}

const MARKDOWN = 'text/markdown'
const HTML = 'text/html'
const JSON_TYPE = 'application/json'

const clients: TestClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})

describe('content writes on one server (SQLite)', () => {
  let running: RunningServer
  beforeAll(async () => {
    running = await startServer()
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })
  const api = (method: string, path: string, body?: string, type?: string) => call(running.httpUrl, method, path, body, type)
  const read = async (id: string, format: string) => (await api('GET', `/api/docs/${id}/content?format=${format}`)).text

  it('[H6][H5] PUT Markdown creates the document and reads back in every format', async () => {
    const markdown = '# Plan\n\nShip **bold** things and *italic* ones.\n\n- one\n- two'
    const put = await api('PUT', '/api/docs/md-doc/content', markdown, `${MARKDOWN}; charset=utf-8`)
    expect(put.status).toBe(201)
    expect(put.json).toMatchObject({ id: 'md-doc', title: '' })
    expect(await read('md-doc', 'markdown')).toBe(markdown)
    expect(await read('md-doc', 'html')).toBe(
      '<h1>Plan</h1><p>Ship <strong>bold</strong> things and <em>italic</em> ones.</p><ul><li><p>one</p></li><li><p>two</p></li></ul>',
    )
    expect(await read('md-doc', 'text')).toBe('Plan\nShip bold things and italic ones.\none\ntwo')
    expect(JSON.parse(await read('md-doc', 'json')).content[0]).toEqual({
      type: 'heading',
      attrs: { level: 1 },
      content: [{ type: 'text', text: 'Plan' }],
    })
    // The Markdown's heading is content: the title is left alone (H4).
    expect((await api('GET', '/api/docs/md-doc')).json?.title).toBe('')
    // A second PUT replaces (200: the document existed).
    const again = await api('PUT', '/api/docs/md-doc/content', 'Only this.', MARKDOWN)
    expect(again.status).toBe(200)
    expect(await read('md-doc', 'markdown')).toBe('Only this.')
  })

  it('[H6] PUT HTML and PUT ProseMirror JSON read back as written', async () => {
    const html =
      '<h2>Notes</h2><p>Hello <em>world</em> and <a href="https://example.com/">a link</a></p><blockquote><p>quoted</p></blockquote>'
    expect((await api('PUT', '/api/docs/html-doc/content', html, HTML)).status).toBe(201)
    expect(await read('html-doc', 'html')).toBe(
      '<h2>Notes</h2><p>Hello <em>world</em> and <a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com/">a link</a></p><blockquote><p>quoted</p></blockquote>',
    )
    const json = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'plain ' },
            { type: 'text', text: 'code', marks: [{ type: 'code' }] },
          ],
        },
        { type: 'codeBlock', attrs: { language: 'ts' }, content: [{ type: 'text', text: 'const x = 1' }] },
        { type: 'horizontalRule' },
      ],
    }
    expect((await api('PUT', '/api/docs/json-doc/content', JSON.stringify(json), JSON_TYPE)).status).toBe(201)
    expect(JSON.parse(await read('json-doc', 'json'))).toEqual(json)
    expect(await read('json-doc', 'markdown')).toBe('plain `code`\n\n```ts\nconst x = 1\n```\n\n---')
  })

  it('[H6] POST appends after the content', async () => {
    expect((await api('POST', '/api/docs/log-doc/content', 'first', MARKDOWN)).status).toBe(201)
    expect((await api('POST', '/api/docs/log-doc/content', '<p>second</p>', HTML)).status).toBe(200)
    const third = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'third' }] }] }
    expect((await api('POST', '/api/docs/log-doc/content', JSON.stringify(third), JSON_TYPE)).status).toBe(200)
    expect(await read('log-doc', 'text')).toBe('first\nsecond\nthird')
  })

  it('[H6][D4] a stock y-websocket client sees a REST write live', async () => {
    expect((await api('PUT', '/api/docs/live-doc', '{}', JSON_TYPE)).status).toBe(201)
    const editor = await connectSynced(running.wsUrl, 'live-doc')
    clients.push(editor)
    expect((await api('PUT', '/api/docs/live-doc/content', '## Live\n\nfrom *REST*', MARKDOWN)).status).toBe(200)
    await waitFor(() => toText(editor.doc) === 'Live\nfrom REST', 'the client to see the write')
    expect((await api('POST', '/api/docs/live-doc/content', 'appended', MARKDOWN)).status).toBe(200)
    await waitFor(() => toText(editor.doc) === 'Live\nfrom REST\nappended', 'the client to see the append')
  })

  it('[H6] invalid content is a 400 with the reason, and nothing changes (nor is created)', async () => {
    expect((await api('PUT', '/api/docs/keep-doc/content', 'keep me', MARKDOWN)).status).toBe(201)
    const before = await read('keep-doc', 'json')
    const refusals: Array<[string, RegExp]> = [
      ['{"type": "doc", "content": [', /not valid JSON/],
      ['{"type": "doc", "content": [{"type": "callout"}]}', /unknown node type "callout"/],
      [
        '{"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": [{"type": "glow"}]}]}]}',
        /unknown mark type "glow"/,
      ],
      ['{"type": "doc", "content": [{"type": "text", "text": "loose"}]}', /invalid document/],
      ['["not", "a", "doc"]', /must be a ProseMirror document/],
    ]
    for (const [body, reason] of refusals) {
      for (const method of ['PUT', 'POST']) {
        const refused = await api(method, '/api/docs/keep-doc/content', body, JSON_TYPE)
        expect(refused.status, `${method} ${body}`).toBe(400)
        expect(refused.json?.error).toMatch(reason)
        expect(refused.json?.reason).toBe('InvalidContent')
      }
    }
    expect(await read('keep-doc', 'json')).toBe(before)
    expect((await api('PUT', '/api/docs/never-made/content', '{"type": "doc", "content": [{"type": "callout"}]}', JSON_TYPE)).status).toBe(
      400,
    )
    expect((await api('GET', '/api/docs/never-made')).status).toBe(404)
  })

  it('[H6] an unsupported Content-Type is a 415, an oversized body a 413, neither changing anything', async () => {
    for (const type of ['text/plain', 'application/xml', undefined]) {
      const refused = await api('PUT', '/api/docs/typed-doc/content', 'hello', type)
      expect(refused.status, String(type)).toBe(415)
      expect(refused.json?.error).toMatch(/text\/markdown, text\/html, application\/json/)
    }
    const huge = await api('PUT', '/api/docs/typed-doc/content', 'a'.repeat(2 * 1024 * 1024 + 1), MARKDOWN)
    expect(huge.status).toBe(413)
    expect((await api('GET', '/api/docs/typed-doc')).status).toBe(404)
    expect((await api('PATCH', '/api/docs/typed-doc/content', 'x', MARKDOWN)).status).toBe(405)
  })

  it('[H6][L7] writing to a deleted document is 410 Gone and does not bring it back', async () => {
    expect((await api('PUT', '/api/docs/gone-doc/content', 'soon gone', MARKDOWN)).status).toBe(201)
    expect((await api('DELETE', '/api/docs/gone-doc')).status).toBe(204)
    for (const method of ['PUT', 'POST']) {
      const refused = await api(method, '/api/docs/gone-doc/content', 'back?', MARKDOWN)
      expect(refused.status).toBe(410)
      expect(refused.json?.reason).toBe('Deleted')
    }
    expect((await api('GET', '/api/docs/gone-doc')).status).toBe(404)
  })

  it('[H7] ifEmpty seeds an empty document once; a non-empty one answers 409 NotEmpty and keeps its content', async () => {
    expect((await api('PUT', '/api/docs/seed-one/content?ifEmpty=true', 'seeded', MARKDOWN)).status).toBe(201)
    for (const method of ['PUT', 'POST']) {
      const refused = await api(method, '/api/docs/seed-one/content?ifEmpty=true', 'again', MARKDOWN)
      expect(refused.status).toBe(409)
      expect(refused.json?.reason).toBe('NotEmpty')
    }
    expect(await read('seed-one', 'text')).toBe('seeded')
    // An editor's empty paragraph is empty: seeding still works.
    expect((await api('PUT', '/api/docs/seed-two/content', '{"type": "doc", "content": [{"type": "paragraph"}]}', JSON_TYPE)).status).toBe(
      201,
    )
    expect((await api('POST', '/api/docs/seed-two/content?ifEmpty=true', 'into the empty one', MARKDOWN)).status).toBe(200)
    expect(await read('seed-two', 'text')).toBe('into the empty one')
    expect((await api('PUT', '/api/docs/seed-two/content?ifEmpty=maybe', 'x', MARKDOWN)).status).toBe(400)
  })

  it('[H7] 20 racing ifEmpty seeds: exactly one wins, 19 get 409, the text is there once', async () => {
    const answers = await racingRequests(
      Array.from({ length: 20 }, (_, i) => ({
        base: running.httpUrl,
        method: i % 2 ? 'PUT' : 'POST',
        path: '/api/docs/race-doc/content?ifEmpty=true',
        body: `Seed from caller ${i}`,
        type: MARKDOWN,
      })),
    )
    const won = answers.filter((answer) => answer.status >= 200 && answer.status < 300)
    expect(won).toHaveLength(1)
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(19)
    expect(await read('race-doc', 'text')).toMatch(/^Seed from caller \d+$/)
  })
})

describe('content writes with access control', () => {
  let running: RunningServer
  beforeAll(async () => {
    running = await startServer({ authSecret: TEST_SECRET })
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })

  it('[H6][Z2] writing needs the editor role: a viewer gets 403 and changes nothing', async () => {
    const editor = await signToken({ sub: 'ed', docs: ['guarded'], role: 'editor' })
    const viewer = await signToken({ sub: 'vi', docs: ['guarded'], role: 'viewer' })
    const path = '/api/docs/guarded/content'
    expect((await call(running.httpUrl, 'PUT', path, 'by the editor', MARKDOWN, editor)).status).toBe(201)
    for (const method of ['PUT', 'POST']) {
      expect((await call(running.httpUrl, method, path, 'by the viewer', MARKDOWN, viewer)).status).toBe(403)
      expect((await call(running.httpUrl, method, `${path}?ifEmpty=true`, 'by the viewer', MARKDOWN, viewer)).status).toBe(403)
    }
    expect((await call(running.httpUrl, 'PUT', path, 'no token', MARKDOWN)).status).toBe(401)
    expect((await call(running.httpUrl, 'GET', `${path}?format=text`, undefined, undefined, viewer)).text).toBe('by the editor')
  })
})

const clusterAvailable = (await postgresAvailability()) && redisAvailability()

describe.runIf(clusterAvailable)('content writes across a cluster (PostgreSQL + Redis)', () => {
  let database: TestDatabase | null = null
  let redis: RedisProcess | null = null
  let cluster: Cluster | null = null
  beforeAll(async () => {
    database = await createTestDatabase()
    redis = await startRedis()
    cluster = await startCluster({ size: 3, databaseUrl: database.url, redisUrl: redis.url })
  })
  afterAll(async () => {
    await cluster?.stopAll()
    await redis?.dispose()
    await database?.drop()
  })

  it('[H7][C1] 20 ifEmpty seeds spread over 3 servers, on 4 documents in turn: exactly one wins each, its text there once on every server', async () => {
    const servers = cluster?.instances ?? []
    // A race is decided in a few milliseconds, so it is run on several documents in turn;
    // each server has each document open, so each decides with a room of its own.
    const docIds = ['seed-a', 'seed-b', 'seed-c', 'seed-d']
    const editors = await Promise.all(docIds.flatMap((docId) => servers.map((server) => connectSynced(server.wsUrl, docId))))
    clients.push(...editors)
    const once = /^Seed from caller \d+$/
    for (const docId of docIds) {
      const answers = await racingRequests(
        Array.from({ length: 20 }, (_, i) => ({
          base: servers[i % 3]!.httpUrl,
          method: i % 2 ? 'PUT' : 'POST',
          path: `/api/docs/${docId}/content?ifEmpty=true`,
          body: `Seed from caller ${i}`,
          type: MARKDOWN,
        })),
      )
      const statuses = answers.map((answer) => answer.status)
      expect(
        statuses.filter((status) => status >= 200 && status < 300),
        `${docId}: ${statuses.join(',')}`,
      ).toHaveLength(1)
      expect(statuses.filter((status) => status === 409)).toHaveLength(19)
      for (const server of servers) {
        expect(await (await fetch(`${server.httpUrl}/api/docs/${docId}/content?format=text`)).text()).toMatch(once)
      }
    }
    for (const editor of editors) await waitFor(() => once.test(toText(editor.doc)), 'every editor to see its seed once')
  })
})
