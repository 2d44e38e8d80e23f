import { Webhook } from 'standardwebhooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Config } from '../../server/config'
import { connectSynced, type TestClient } from '../helpers/clients'
import { advanceSettled, ManualClock } from '../helpers/manual-clock'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RunningServer, startServer } from '../helpers/server'
import { runToExit, spawnServer } from '../helpers/server-process'
import { makeTempDir } from '../helpers/temp-dir'
import { editorToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'
import { freePort, startReceiver, type WebhookReceiver } from '../helpers/webhook-receiver'

/** Webhooks to a receiver on loopback (allowed for tests), retried quickly, timed out soon. */
const FAST: Partial<Record<keyof Config, string>> = {
  webhookAllowPrivate: 'true',
  webhookRetryDelays: '100ms,100ms,100ms,100ms,100ms',
  webhookTimeoutMs: '500',
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(overrides: Partial<Record<keyof Config, string>> = {}): Promise<RunningServer> {
  const running = await startServer({ ...FAST, ...overrides })
  cleanups.push(() => running.stop())
  return running
}

async function receiver(port = 0): Promise<WebhookReceiver> {
  const started = await startReceiver(port)
  cleanups.push(() => started.close())
  return started
}

async function api(base: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

async function register(base: string, url: string, events?: string[], token?: string) {
  const res = await api(base, 'POST', '/api/admin/webhooks', events ? { url, events } : { url }, token)
  expect(res.status).toBe(201)
  return res.body as { id: string; url: string; events: string[]; secret: string; enabled: boolean; createdAt: string }
}

function verify(secret: string, hook: WebhookReceiver['received'][number]): unknown {
  return new Webhook(secret).verify(hook.body, {
    'webhook-id': hook.id,
    'webhook-timestamp': hook.timestamp,
    'webhook-signature': hook.signature,
  })
}

async function client(running: RunningServer, docId: string, token?: string): Promise<TestClient> {
  const connected = await connectSynced(running.wsUrl, docId, undefined, token ? { token } : {})
  cleanups.push(() => connected.destroy())
  return connected
}

/** The debounce of document.updated [W7], as the spec states it. */
const QUIET_MS = 2_000
const MAX_DELAY_MS = 10_000

/** Wall-clock time of a server on a manual clock: a fixed day plus the clock. */
const BASE = Date.UTC(2026, 5, 1, 9)

/**
 * A server and a receiver on one manual clock: time moves only when the test says, so rules
 * about time are checked at exact instants whatever the machine's load. `advance` moves the
 * clock one due timer at a time and lets the dispatcher finish each pass (and the deliveries it
 * started) before time goes on.
 */
async function clockedServer() {
  const clock = new ManualClock()
  const now = () => BASE + clock.now()
  const running = await startServer(
    // Heartbeats far apart (the clock jumps while the client idles); a slow answer on a busy
    // machine is no timeout (attempts are timed in real time).
    { ...FAST, heartbeatMs: String(30 * 24 * 3_600_000), webhookTimeoutMs: '15000' },
    { scheduler: clock, now },
  )
  cleanups.push(() => running.stop())
  const hooks = await startReceiver(0, now)
  cleanups.push(() => hooks.close())
  const webhooks = running.server.webhooks!
  const advance = (ms: number) => advanceSettled(clock, ms, () => webhooks.settled())
  return { running, clock, webhooks, hooks, advance }
}

/** What the server has stored of a document's body (a REST read returns only what is stored, D5). */
async function storedBody(running: RunningServer, docId: string): Promise<string> {
  const res = await fetch(`${running.httpUrl}/api/docs/${docId}/content?format=yjs`)
  if (res.status !== 200) return ''
  const doc = new Y.Doc()
  Y.applyUpdate(doc, new Uint8Array(await res.arrayBuffer()))
  const body = doc.getText('body').toString()
  doc.destroy()
  return body
}

/** Types `text` at the end of the body and waits until it is stored (stamped with the clock's time). */
async function edit(running: RunningServer, editor: TestClient, docId: string, text: string): Promise<void> {
  const body = editor.doc.getText('body')
  body.insert(body.length, text)
  const expected = body.toString()
  await waitFor(async () => (await storedBody(running, docId)) === expected, `"${expected}" to be stored`)
}

/** The document lifecycle on one backend: events arrive, in order, signed. */
async function lifecycle(running: RunningServer, hooks: WebhookReceiver): Promise<void> {
  const endpoint = await register(running.httpUrl, hooks.url)
  expect(endpoint.secret).toMatch(/^whsec_/)
  expect(endpoint.events).toContain('document.updated')

  const created = await api(running.httpUrl, 'POST', '/api/docs', { id: 'life' })
  expect(created.status).toBe(201)
  await waitFor(() => hooks.of('document.created', 'life').length === 1, 'document.created')

  expect((await api(running.httpUrl, 'PATCH', '/api/docs/life', { title: 'Minutes' })).status).toBe(200)
  await waitFor(() => hooks.of('document.updated', 'life').length === 1, 'document.updated after the rename', 15_000)
  expect(hooks.of('document.renamed', 'life').map((h) => h.payload.data.title)).toEqual(['Minutes'])

  const editor = await client(running, 'life')
  editor.doc.getText('body').insert(0, 'secret words')
  await waitFor(() => hooks.of('document.updated', 'life').length === 2, 'document.updated after an edit', 15_000)

  expect((await api(running.httpUrl, 'DELETE', '/api/docs/life')).status).toBe(204)
  await waitFor(() => hooks.of('document.deleted', 'life').length === 1, 'document.deleted')

  const types = hooks.received.map((h) => h.payload.type)
  expect(types).toEqual(['document.created', 'document.renamed', 'document.updated', 'document.updated', 'document.deleted'])
  for (const hook of hooks.received) {
    expect(verify(endpoint.secret, hook)).toEqual(hook.payload)
    expect(hook.body).not.toContain('secret words')
    expect(hook.payload.data.documentId).toBe('life')
    expect(Number.isNaN(Date.parse(hook.payload.timestamp))).toBe(false)
  }
  expect(new Set(hooks.received.map((h) => h.id)).size).toBe(hooks.received.length)
  // A forged signature fails verification.
  const forged = { ...hooks.received[0]!, body: hooks.received[0]!.body.replace('life', 'life2') }
  expect(() => verify(endpoint.secret, forged)).toThrow()

  const deliveries = await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`)
  expect(deliveries.status).toBe(200)
  expect(deliveries.body.deliveries).toHaveLength(5)
  expect(deliveries.body.deliveries[0]).toMatchObject({
    event: 'document.deleted',
    status: 'delivered',
    attempts: 1,
    lastResponseStatus: 200,
  })

  // A document first written by a client (no REST call) is created by that append.
  const fresh = await client(running, 'typed-first')
  fresh.doc.getText('body').insert(0, 'hello')
  await waitFor(() => hooks.of('document.updated', 'typed-first').length === 1, 'document.updated of a new id', 15_000)
  expect(hooks.received.filter((h) => h.payload.data.documentId === 'typed-first').map((h) => h.payload.type)).toEqual([
    'document.created',
    'document.updated',
  ])
}

describe('webhooks (SQLite)', () => {
  it('[W1][W3][W4] a document created, renamed, edited and deleted is announced in order, signed per Standard Webhooks', async () => {
    await lifecycle(await server(), await receiver())
  }, 60_000)

  it('[W2] the admin API lists, shows and deletes endpoints without their secrets; bad input is a clear 4xx', async () => {
    const running = await server()
    const hooks = await receiver()
    const endpoint = await register(running.httpUrl, hooks.url, ['document.deleted'])
    expect(endpoint.events).toEqual(['document.deleted'])
    const list = await api(running.httpUrl, 'GET', '/api/admin/webhooks')
    expect(list.body.webhooks).toEqual([
      { id: endpoint.id, url: hooks.url, events: ['document.deleted'], enabled: true, createdAt: endpoint.createdAt },
    ])
    expect((await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}`)).body).not.toHaveProperty('secret')
    expect((await api(running.httpUrl, 'POST', '/api/admin/webhooks', { url: hooks.url, events: ['nope'] })).status).toBe(400)
    expect((await api(running.httpUrl, 'POST', '/api/admin/webhooks', { url: 'ftp://example.com/x' })).status).toBe(422)
    expect((await api(running.httpUrl, 'POST', '/api/admin/webhooks', { url: 'not a url' })).status).toBe(422)
    expect((await api(running.httpUrl, 'GET', '/api/admin/webhooks/ep_unknown')).status).toBe(404)
    // Subscribed to deletions only: a creation is not sent, the deletion is.
    await api(running.httpUrl, 'POST', '/api/docs', { id: 'only-deleted' })
    await api(running.httpUrl, 'DELETE', '/api/docs/only-deleted')
    await waitFor(() => hooks.received.length === 1, 'the deletion')
    expect(hooks.received.map((h) => h.payload.type)).toEqual(['document.deleted'])
    expect((await api(running.httpUrl, 'DELETE', `/api/admin/webhooks/${endpoint.id}`)).status).toBe(204)
    expect((await api(running.httpUrl, 'GET', '/api/admin/webhooks')).body.webhooks).toEqual([])
    expect((await api(running.httpUrl, 'DELETE', `/api/admin/webhooks/${endpoint.id}`)).status).toBe(404)
  }, 30_000)

  it('[W5] loopback and private URLs are refused (422 with the reason) unless TANDEM_WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const running = await server({ webhookAllowPrivate: 'false' })
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://localhost:9/hook',
      'http://10.1.2.3/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest',
    ]) {
      const res = await api(running.httpUrl, 'POST', '/api/admin/webhooks', { url })
      expect(res.status, url).toBe(422)
      expect(res.body.reason).toBe('UnsafeUrl')
      expect(res.body.error).toMatch(/loopback|private|link-local/)
    }
    expect((await api(running.httpUrl, 'GET', '/api/admin/webhooks')).body.webhooks).toEqual([])
  })

  it('[W6] with a secret set the webhook API needs the admin secret; edits name their users', async () => {
    const running = await server({ authSecret: TEST_SECRET })
    const hooks = await receiver()
    expect((await api(running.httpUrl, 'GET', '/api/admin/webhooks')).status).toBe(401)
    expect((await api(running.httpUrl, 'POST', '/api/admin/webhooks', { url: hooks.url }, 'wrong-secret')).status).toBe(401)
    await register(running.httpUrl, hooks.url, ['document.updated', 'document.renamed'], TEST_SECRET)
    const editor = await client(running, 'named', await editorToken('u1', ['*'], 'Ada'))
    editor.doc.getText('body').insert(0, 'hello')
    await waitFor(() => hooks.of('document.updated', 'named').length === 1, 'document.updated', 15_000)
    expect(hooks.received[0]?.payload.data.users).toEqual(['Ada'])
    // A rename through the API is announced with the name in the caller's token.
    const grace = await editorToken('u2', ['*'], 'Grace')
    expect((await api(running.httpUrl, 'PATCH', '/api/docs/named', { title: 'Notes' }, grace)).status).toBe(200)
    await waitFor(() => hooks.of('document.updated', 'named').length === 2, 'the second document.updated', 15_000)
    expect(hooks.of('document.renamed', 'named').map((h) => h.payload.data)).toEqual([
      { documentId: 'named', title: 'Notes', users: ['Grace'] },
    ])
  }, 30_000)

  it('[W7] document.updated is debounced: a burst of edits gives one event, 2 s after the last edit', async () => {
    const { running, clock, webhooks, hooks, advance } = await clockedServer()
    const endpoint = await register(running.httpUrl, hooks.url, ['document.updated'])
    const editor = await client(running, 'burst')
    const firstEdit = clock.now()
    for (let i = 0; i < 20; i++) {
      if (i > 0) await advance(25)
      await edit(running, editor, 'burst', `${i} `)
    }
    const lastEdit = clock.now()
    expect(lastEdit - firstEdit).toBe(19 * 25)
    // Quiet for 2 s less a millisecond: whenever the dispatcher looks, nothing goes.
    await advance(lastEdit + QUIET_MS - 1 - clock.now())
    await webhooks.dispatchNow()
    expect(hooks.received).toEqual([])
    expect(await webhooks.backlog()).toEqual({ pending: 0, dirty: 1 })
    // One more millisecond is 2 s of quiet: the one event goes, about the last edit.
    await advance(1)
    await webhooks.dispatchNow()
    expect(hooks.received).toHaveLength(1)
    const [event] = hooks.received
    expect(event!.receivedAt).toBe(BASE + lastEdit + QUIET_MS)
    expect(Number(event!.timestamp)).toBe(Math.floor((BASE + lastEdit + QUIET_MS) / 1_000))
    // Signed with that time (Standard Webhooks' verify would compare it with the real clock).
    expect(event!.signature).toBe(new Webhook(endpoint.secret).sign(event!.id, new Date(Number(event!.timestamp) * 1_000), event!.body))
    expect(event!.payload).toEqual({
      type: 'document.updated',
      timestamp: new Date(BASE + lastEdit).toISOString(),
      data: { documentId: 'burst', users: [] },
    })
    expect(await webhooks.backlog()).toEqual({ pending: 0, dirty: 0 })
    // Nothing more, however long.
    await advance(MAX_DELAY_MS)
    expect(hooks.received).toHaveLength(1)
  }, 60_000)

  it('[W7] under continuous editing document.updated still goes within 10 s of a change, never twice within 2 s', async () => {
    const { running, clock, webhooks, hooks, advance } = await clockedServer()
    await register(running.httpUrl, hooks.url, ['document.updated'])
    const editor = await client(running, 'busy')
    const firstEdit = clock.now()
    let lastEdit = firstEdit
    await edit(running, editor, 'busy', 'x')
    // An edit every 300 ms: never quiet for 2 s, so only the 10 s bound can send the event.
    while (clock.now() - firstEdit < MAX_DELAY_MS + 2_000) {
      await advance(300)
      if (hooks.received.length > 0) break
      await edit(running, editor, 'busy', 'x')
      lastEdit = clock.now()
    }
    expect(hooks.received).toHaveLength(1)
    const [first] = hooks.received
    // Within 10 s of the first change; not long before (the dispatcher looks every half second
    // and takes a mark up to one look early, to keep the bound).
    expect(first!.receivedAt - BASE - firstEdit).toBeLessThanOrEqual(MAX_DELAY_MS)
    expect(first!.receivedAt - BASE - firstEdit).toBeGreaterThanOrEqual(MAX_DELAY_MS - 1_000)
    expect(first!.payload.timestamp).toBe(new Date(BASE + lastEdit).toISOString())
    // One more edit: its own event waits for 2 s of quiet after it.
    await edit(running, editor, 'busy', 'y')
    const extraEdit = clock.now()
    await advance(QUIET_MS - 1)
    await webhooks.dispatchNow()
    expect(hooks.received).toHaveLength(1)
    await advance(1)
    await webhooks.dispatchNow()
    expect(hooks.received).toHaveLength(2)
    const second = hooks.received[1]!
    expect(second.receivedAt).toBe(BASE + extraEdit + QUIET_MS)
    expect(second.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(QUIET_MS)
    expect(second.payload.timestamp).toBe(new Date(BASE + extraEdit).toISOString())
  }, 60_000)

  it('[W8] a receiver answering 500, then timing out, then 200 gets the same webhook-id each time and one success; the next event of the document waits', async () => {
    const running = await server()
    const hooks = await receiver()
    hooks.answers = [500, 'hang', 200]
    const endpoint = await register(running.httpUrl, hooks.url, ['document.created', 'document.deleted'])
    await api(running.httpUrl, 'POST', '/api/docs', { id: 'retried' })
    await api(running.httpUrl, 'DELETE', '/api/docs/retried')
    await waitFor(() => hooks.received.length === 4, 'three attempts and the deletion', 15_000)
    const types = hooks.received.map((h) => h.payload.type)
    expect(types).toEqual(['document.created', 'document.created', 'document.created', 'document.deleted'])
    expect(new Set(hooks.received.slice(0, 3).map((h) => h.id)).size).toBe(1)
    for (const hook of hooks.received) verify(endpoint.secret, hook)
    await waitFor(async () => {
      const { body } = await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`)
      return body.deliveries.every((d: { status: string }) => d.status === 'delivered')
    }, 'the deliveries marked delivered')
    const { body } = await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`)
    expect(body.deliveries).toHaveLength(2)
    expect(body.deliveries[1]).toMatchObject({
      webhookId: hooks.received[0]!.id,
      event: 'document.created',
      attempts: 3,
      lastResponseStatus: 200,
      nextAttemptAt: null,
    })
    const metrics = await (await fetch(`${running.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/tandem_webhook_deliveries_total\{result="retry"\} 2/)
    expect(metrics).toMatch(/tandem_webhook_deliveries_total\{result="delivered"\} 2/)
    expect(metrics).toMatch(/tandem_webhook_deliveries_pending 0/)
  }, 30_000)

  it('[W8] a delivery that keeps failing is marked failed after the last retry, with the last error', async () => {
    const running = await server({ webhookRetryDelays: '50ms,50ms' })
    const hooks = await receiver()
    hooks.answers = [503, 503, 503]
    const endpoint = await register(running.httpUrl, hooks.url, ['document.created'])
    await api(running.httpUrl, 'POST', '/api/docs', { id: 'doomed' })
    await waitFor(async () => {
      const { body } = await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`)
      return body.deliveries[0]?.status === 'failed'
    }, 'the delivery marked failed')
    expect(hooks.received).toHaveLength(3)
    const { body } = await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`)
    expect(body.deliveries[0]).toMatchObject({ attempts: 3, lastResponseStatus: 503, lastError: 'answered 503' })
  }, 30_000)

  it('[W9] 410 Gone disables the endpoint: later events are not even queued for it', async () => {
    const running = await server()
    const hooks = await receiver()
    hooks.answers = [410]
    const endpoint = await register(running.httpUrl, hooks.url, ['document.created'])
    await api(running.httpUrl, 'POST', '/api/docs', { id: 'gone-1' })
    await waitFor(
      async () => (await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}`)).body.enabled === false,
      'the endpoint disabled',
    )
    await api(running.httpUrl, 'POST', '/api/docs', { id: 'gone-2' })
    const { body } = await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`)
    expect(body.deliveries.map((d: { documentId: string; status: string }) => [d.documentId, d.status])).toEqual([['gone-1', 'failed']])
    expect((await api(running.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}`)).body.disabledReason).toMatch(/410/)
    expect(hooks.received).toHaveLength(1)
  }, 30_000)

  it('[W10] deliveries pending and changes not yet announced when the server is SIGKILLed are sent after the restart', async () => {
    const dataDir = makeTempDir()
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/hook`
    const env = {
      TANDEM_WEBHOOK_ALLOW_PRIVATE: 'true',
      TANDEM_WEBHOOK_RETRY_DELAYS: '300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms',
    }
    const first = await spawnServer(['--port', '0', '--data-dir', dataDir], env)
    cleanups.push(() => void first.child.kill('SIGKILL'))
    const endpoint = await register(first.httpUrl, url, ['document.created', 'document.renamed'])
    await api(first.httpUrl, 'POST', '/api/docs', { id: 'survivor' })
    let pendingId = ''
    await waitFor(
      async () => {
        const { body } = await api(first.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries`)
        pendingId = body.deliveries[0]?.webhookId ?? ''
        return body.deliveries[0]?.status === 'pending' && body.deliveries[0].attempts >= 1
      },
      'a failed first attempt (the receiver is down)',
      10_000,
    )
    // A rename answered (stored with its dirty mark) and killed within its 2 s quiet period.
    expect((await api(first.httpUrl, 'PATCH', '/api/docs/survivor', { title: 'Kept' })).status).toBe(200)
    first.child.kill('SIGKILL')
    await first.exited
    const hooks = await receiver(port)
    const second = await spawnServer(['--port', '0', '--data-dir', dataDir], env)
    cleanups.push(() => void second.child.kill('SIGKILL'))
    await waitFor(() => hooks.received.length === 2, 'the deliveries after the restart', 15_000)
    expect(hooks.received[0]!.id).toBe(pendingId)
    expect(verify(endpoint.secret, hooks.received[0]!)).toMatchObject({ type: 'document.created', data: { documentId: 'survivor' } })
    expect(verify(endpoint.secret, hooks.received[1]!)).toMatchObject({
      type: 'document.renamed',
      data: { documentId: 'survivor', title: 'Kept' },
    })
  }, 60_000)

  it('[W2] TANDEM_WEBHOOK_URL and TANDEM_WEBHOOK_SECRET configure an endpoint (id env)', async () => {
    const hooks = await receiver()
    const secret = `whsec_${Buffer.from('a configured secret of 24b').toString('base64')}`
    const running = await server({ webhookUrl: hooks.url, webhookSecret: secret })
    const list = await api(running.httpUrl, 'GET', '/api/admin/webhooks')
    expect(list.body.webhooks).toEqual([expect.objectContaining({ id: 'env', url: hooks.url, enabled: true })])
    await api(running.httpUrl, 'POST', '/api/docs', { id: 'configured' })
    await waitFor(() => hooks.received.length === 1, 'the configured endpoint')
    expect(verify(secret, hooks.received[0]!)).toMatchObject({ type: 'document.created', data: { documentId: 'configured' } })
  })

  it('[W5] a configured webhook URL on a private address is refused at start with one line', async () => {
    const secret = `whsec_${Buffer.from('a configured secret of 24b').toString('base64')}`
    const run = await runToExit(
      'cli',
      ['--host', '127.0.0.1', '--port', '0', '--data-dir', makeTempDir()],
      { TANDEM_WEBHOOK_URL: 'http://127.0.0.1:9/hook', TANDEM_WEBHOOK_SECRET: secret, TANDEM_WEBHOOK_ALLOW_PRIVATE: '' },
      /ws:\/\//,
    )
    expect(run.code).toBe(1)
    expect(run.stderr.trim()).toMatch(/^--webhook-url \/ TANDEM_WEBHOOK_URL: .*loopback.*TANDEM_WEBHOOK_ALLOW_PRIVATE=true[^\n]*$/)
  }, 30_000)

  it('[W11] saving a version through the REST API announces version.created, restoring it document.restored', async () => {
    const running = await server()
    const hooks = await receiver()
    const endpoint = await register(running.httpUrl, hooks.url, ['version.created', 'document.restored'])
    expect((await api(running.httpUrl, 'PUT', '/api/docs/v-doc', {})).status).toBe(201)
    const saved = await api(running.httpUrl, 'POST', '/api/docs/v-doc/versions', { name: 'Draft', user: { name: 'Ada' } })
    expect(saved.status).toBe(201)
    const restored = await api(running.httpUrl, 'POST', `/api/docs/v-doc/versions/${saved.body.id}/restore`, { user: { name: 'Bo' } })
    expect(restored.status).toBe(200)
    // The draft, the restore's backup, then the restore.
    await waitFor(() => hooks.received.length === 3, 'the three events')
    expect(hooks.received.map((h) => verify(endpoint.secret, h))).toEqual([
      expect.objectContaining({
        type: 'version.created',
        data: { documentId: 'v-doc', versionId: saved.body.id, label: 'Draft', users: ['Ada'] },
      }),
      expect.objectContaining({
        type: 'version.created',
        data: expect.objectContaining({ documentId: 'v-doc', versionId: restored.body.backup.id, users: ['Bo'] }),
      }),
      expect.objectContaining({ type: 'document.restored', data: { documentId: 'v-doc', versionId: saved.body.id, users: ['Bo'] } }),
    ])
  })
})

describe('webhooks (PostgreSQL)', async () => {
  const available = await postgresAvailability()
  let db: TestDatabase
  beforeAll(async () => {
    if (available) db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  it.runIf(available)(
    '[W1][W3] the lifecycle is announced in order, signed',
    async () => {
      await lifecycle(await server({ databaseUrl: db.url }), await receiver())
    },
    60_000,
  )

  it.runIf(available)(
    '[W12] two servers sharing the outbox deliver each event once',
    async () => {
      const fresh = await createTestDatabase()
      cleanups.push(() => fresh.drop())
      const a = await server({ databaseUrl: fresh.url })
      const b = await server({ databaseUrl: fresh.url })
      const hooks = await receiver()
      const endpoint = await register(a.httpUrl, hooks.url, ['document.created', 'document.deleted'])
      const ids = Array.from({ length: 20 }, (_, i) => `shared-${i}`)
      await Promise.all(ids.map((id, i) => api(i % 2 ? a.httpUrl : b.httpUrl, 'POST', '/api/docs', { id })))
      await Promise.all(ids.map((id, i) => api(i % 2 ? b.httpUrl : a.httpUrl, 'DELETE', `/api/docs/${id}`)))
      await waitFor(
        async () => {
          const { body } = await api(b.httpUrl, 'GET', `/api/admin/webhooks/${endpoint.id}/deliveries?limit=100`)
          return body.deliveries.length === 40 && body.deliveries.every((d: { status: string }) => d.status === 'delivered')
        },
        'all 40 deliveries delivered',
        20_000,
      )
      expect(hooks.received).toHaveLength(40)
      // Each server counts its own attempts: together exactly one per delivery.
      const delivered = async (running: RunningServer) => {
        const text = await (await fetch(`${running.httpUrl}/metrics`)).text()
        return Number(/tandem_webhook_deliveries_total\{result="delivered"\} (\d+)/.exec(text)?.[1] ?? 0)
      }
      expect((await delivered(a)) + (await delivered(b))).toBe(40)
      expect(new Set(hooks.received.map((h) => h.id)).size).toBe(40)
      for (const id of ids) {
        // In order per document: its creation before its deletion.
        expect(hooks.received.filter((h) => h.payload.data.documentId === id).map((h) => h.payload.type)).toEqual([
          'document.created',
          'document.deleted',
        ])
      }
    },
    60_000,
  )
})
