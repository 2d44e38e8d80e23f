import { readFileSync } from 'node:fs'
import Ajv2020 from 'ajv/dist/2020'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, removeDir, startServer } from '../helpers/server'
import { editorToken, signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * Keeps /api/openapi.json in step with the server (H8): every documented operation is called
 * against a real server (auth on) and what it answers — status, media type, body — must be
 * what the description says; a documented path answers 405 to every method it does not list.
 * Adding an operation to the description without an example call here fails, and so does
 * changing a handler's answers without changing the description.
 */

const ADMIN_SECRET = 'admin-secret-that-is-long-enough-for-tests'
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const
type Method = (typeof METHODS)[number]
type Who = 'editor' | 'viewer' | 'admin' | 'nobody' | 'stranger'

interface Call {
  /** The concrete path ({id} filled in) and query. */
  readonly path: string
  readonly who?: Who
  readonly body?: unknown
  readonly contentType?: string
  readonly accept?: string
  /** `current`: sent with the ETag the path answers with right now (a revalidation). */
  readonly ifNoneMatch?: 'current'
}

interface Operation {
  readonly operationId: string
  readonly responses: Record<string, { content?: Record<string, { schema: object }> }>
}

type OpenApi = { openapi: string; info: { version: string }; paths: Record<string, Record<string, unknown>>; components: object }

/** A 1×1 GIF: the smallest image the files API takes. */
const GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=='), (c) => c.charCodeAt(0))

/** Example calls per operation id: the happy path and the documented failures worth proving. */
const CALLS: Record<string, readonly Call[]> = {
  health: [{ path: '/healthz' }],
  ready: [{ path: '/readyz' }],
  metrics: [{ path: '/metrics' }],
  embedScript: [{ path: '/embed.js' }, { path: '/embed.js', ifNoneMatch: 'current' }],
  embedStyles: [{ path: '/embed.css' }, { path: '/embed.css', ifNoneMatch: 'current' }],
  openapi: [{ path: '/api/openapi.json' }],
  session: [{ path: '/api/session' }, { path: '/api/session', who: 'nobody' }],
  exchangeToken: [
    { path: '/api/tokens', body: { docId: 'oa-doc', name: 'Ada' } },
    { path: '/api/tokens', body: { docId: 'oa-doc', unknown: 1 } },
    { path: '/api/tokens', body: { docId: 'oa-doc' }, who: 'stranger' },
  ],
  listDocuments: [
    { path: '/api/docs' },
    { path: '/api/docs?q=description' },
    { path: `/api/docs?q=${'x'.repeat(201)}` },
    { path: '/api/docs', who: 'nobody' },
  ],
  createDocument: [
    { path: '/api/docs', body: { title: 'From the description' } },
    { path: '/api/docs', body: { id: 'oa-doc' } },
    { path: '/api/docs', body: { id: 'oa-gone' } },
    { path: '/api/docs', body: { title: 7 } },
  ],
  getDocument: [
    { path: '/api/docs/oa-doc' },
    { path: '/api/docs/oa-doc?format=markdown' },
    { path: '/api/docs/oa-doc', accept: 'text/html' },
    { path: '/api/docs/oa-doc?format=pdf' },
    { path: '/api/docs/oa-missing' },
    { path: '/api/docs/oa-doc', who: 'stranger' },
  ],
  putDocument: [
    { path: '/api/docs/oa-put', body: {} },
    { path: '/api/docs/oa-put', body: { title: 'Again' } },
    { path: '/api/docs/oa-gone', body: {} },
    { path: '/api/docs/oa-put', body: { recreate: 'yes' } },
    { path: '/api/docs/oa-put', body: {}, who: 'viewer' },
  ],
  renameDocument: [
    { path: '/api/docs/oa-doc', body: { title: 'Renamed' } },
    { path: '/api/docs/oa-doc', body: {} },
    { path: '/api/docs/oa-missing', body: { title: 'x' } },
  ],
  deleteDocument: [{ path: '/api/docs/oa-delete-me' }, { path: '/api/docs/oa-missing' }, { path: '/api/docs/oa-doc', who: 'nobody' }],
  getContent: [
    { path: '/api/docs/oa-doc/content' },
    { path: '/api/docs/oa-doc/content?format=html' },
    { path: '/api/docs/oa-doc/content?format=markdown' },
    { path: '/api/docs/oa-doc/content?format=text' },
    { path: '/api/docs/oa-doc/content?format=yjs' },
    { path: '/api/docs/oa-doc/content?format=docx' },
    { path: '/api/docs/oa-missing/content' },
  ],
  replaceContent: [
    { path: '/api/docs/oa-doc/content', body: '# Agenda\n\n- one\n- two\n', contentType: 'text/markdown' },
    { path: '/api/docs/oa-new-content/content', body: '<p>Fresh</p>', contentType: 'text/html' },
    { path: '/api/docs/oa-doc/content', body: { type: 'doc', content: [{ type: 'callout' }] } },
    { path: '/api/docs/oa-doc/content?ifEmpty=true', body: { type: 'doc', content: [] } },
    { path: '/api/docs/oa-doc/content', body: 'plain', contentType: 'text/plain' },
    { path: '/api/docs/oa-gone/content', body: '<p>x</p>', contentType: 'text/html' },
    { path: '/api/docs/oa-doc/content', body: '<p>x</p>', contentType: 'text/html', who: 'viewer' },
  ],
  appendContent: [
    { path: '/api/docs/oa-doc/content', body: '<p>More</p>', contentType: 'text/html' },
    {
      path: '/api/docs/oa-doc/content',
      body: 'not a word file',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    },
    { path: '/api/docs/oa-doc/content', body: 'x'.repeat(3 * 1024 * 1024), contentType: 'text/markdown' },
  ],
  createShareLink: [
    { path: '/api/docs/oa-doc/links', body: { role: 'viewer' } },
    { path: '/api/docs/oa-doc/links', body: { role: 'owner' } },
    { path: '/api/docs/oa-missing/links', body: { role: 'editor' } },
  ],
  uploadFile: [
    { path: '/api/docs/oa-doc/files?name=dot.gif', body: GIF, contentType: 'image/gif' },
    { path: '/api/docs/oa-doc/files', body: GIF, contentType: 'image/gif' },
    { path: '/api/docs/oa-doc/files', body: '<html><script>alert(1)</script>', contentType: 'image/png' },
    { path: '/api/docs/oa-doc/files', body: new Uint8Array(0), contentType: 'image/png' },
    { path: '/api/docs/oa-doc/files', body: new Uint8Array(11 * 1024 * 1024).fill(0x47), contentType: 'image/gif' },
    { path: '/api/docs/oa-doc/files', body: { url: 'http://127.0.0.1:9/cat.png' } },
    { path: '/api/docs/oa-gone/files', body: GIF, contentType: 'image/gif' },
    { path: '/api/docs/oa-doc/files', body: GIF, contentType: 'image/gif', who: 'viewer' },
  ],
  getFile: [
    { path: '/api/docs/oa-doc/files/{fileId}' },
    { path: '/api/docs/oa-doc/files/{fileId}', ifNoneMatch: 'current' },
    { path: '/api/docs/oa-doc/files/{fileId}', who: 'nobody' },
    { path: '/api/docs/oa-doc/files/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  ],
  listVersions: [{ path: '/api/docs/oa-doc/versions' }, { path: '/api/docs/oa-missing/versions' }],
  createVersion: [
    { path: '/api/docs/oa-doc/versions', body: { name: 'Named' } },
    { path: '/api/docs/oa-doc/versions', body: {} },
    { path: '/api/docs/oa-doc/versions', body: { name: 5 } },
    { path: '/api/docs/oa-doc/versions', body: {}, who: 'viewer' },
    { path: '/api/docs/oa-missing/versions', body: {} },
  ],
  getVersion: [
    { path: '/api/docs/oa-doc/versions/{versionId}' },
    { path: '/api/docs/oa-doc/versions/{versionId}?format=html' },
    { path: '/api/docs/oa-doc/versions/{versionId}?format=markdown' },
    { path: '/api/docs/oa-doc/versions/{versionId}?format=text' },
    { path: '/api/docs/oa-doc/versions/{versionId}?format=yjs' },
    { path: '/api/docs/oa-doc/versions/{versionId}?format=pdf' },
    { path: '/api/docs/oa-doc/versions/nosuchversion' },
  ],
  renameVersion: [
    { path: '/api/docs/oa-doc/versions/{versionId}', body: { name: 'Renamed version' } },
    { path: '/api/docs/oa-doc/versions/{versionId}', body: {} },
    { path: '/api/docs/oa-doc/versions/nosuchversion', body: { name: 'x' } },
  ],
  restoreVersion: [
    { path: '/api/docs/oa-doc/versions/{versionId}/restore', body: {} },
    { path: '/api/docs/oa-doc/versions/{versionId}/restore', body: { user: { name: '' } } },
    { path: '/api/docs/oa-doc/versions/nosuchversion/restore', body: {} },
    { path: '/api/docs/oa-doc/versions/{versionId}/restore', body: {}, who: 'viewer' },
  ],
  listRevocations: [{ path: '/api/admin/revocations', who: 'admin' }, { path: '/api/admin/revocations' }],
  revoke: [
    { path: '/api/admin/revocations', who: 'admin', body: { user: 'oa-revoked-user' } },
    { path: '/api/admin/revocations', who: 'admin', body: {} },
  ],
  listWebhooks: [{ path: '/api/admin/webhooks', who: 'admin' }, { path: '/api/admin/webhooks' }],
  registerWebhook: [
    { path: '/api/admin/webhooks', who: 'admin', body: { url: 'http://127.0.0.1:9/hook', events: ['document.deleted'] } },
    { path: '/api/admin/webhooks', who: 'admin', body: { url: 'ftp://example.com/hook' } },
    { path: '/api/admin/webhooks', who: 'admin', body: { events: [] } },
    { path: '/api/admin/webhooks', body: { url: 'http://127.0.0.1:9/hook' } },
  ],
  getWebhook: [
    { path: '/api/admin/webhooks/{webhookId}', who: 'admin' },
    { path: '/api/admin/webhooks/ep_missing', who: 'admin' },
  ],
  deleteWebhook: [
    { path: '/api/admin/webhooks/{spareWebhookId}', who: 'admin' },
    { path: '/api/admin/webhooks/ep_missing', who: 'admin' },
  ],
  listWebhookDeliveries: [
    { path: '/api/admin/webhooks/{webhookId}/deliveries', who: 'admin' },
    { path: '/api/admin/webhooks/{webhookId}/deliveries?limit=0', who: 'admin' },
    { path: '/api/admin/webhooks/ep_missing/deliveries', who: 'admin' },
  ],
}

/** Ids the example calls refer to, made in beforeAll: `{versionId}` in a path becomes one. */
const made: Record<string, string> = {}

let running: RunningServer
let spec: OpenApi
const tokens: Partial<Record<Who, string>> = {}

beforeAll(async () => {
  // Private webhook URLs allowed: the example endpoints point at loopback.
  running = await startServer({ authSecret: TEST_SECRET, adminSecret: ADMIN_SECRET, webhookAllowPrivate: 'true' })
  tokens.editor = await editorToken('oa-editor', ['*'], 'Ada')
  tokens.viewer = await signToken({ sub: 'oa-viewer', docs: ['*'], role: 'viewer' })
  tokens.stranger = await editorToken('oa-stranger', ['someone-else'])
  tokens.admin = ADMIN_SECRET
  for (const id of ['oa-doc', 'oa-delete-me', 'oa-gone'])
    expect((await call('put', { path: `/api/docs/${id}`, body: {} })).status).toBe(201)
  expect((await call('delete', { path: '/api/docs/oa-gone' })).status).toBe(204)
  made.fileId = ((await call('post', { path: '/api/docs/oa-doc/files', body: GIF, contentType: 'image/gif' })).json as { id: string }).id
  made.versionId = ((await call('post', { path: '/api/docs/oa-doc/versions', body: { name: 'First' } })).json as { id: string }).id
  for (const key of ['webhookId', 'spareWebhookId']) {
    const hook = await call('post', { path: '/api/admin/webhooks', who: 'admin', body: { url: 'http://127.0.0.1:9/hook' } })
    made[key] = (hook.json as { id: string }).id
  }
  spec = (await call('get', { path: '/api/openapi.json' })).json as OpenApi
})

afterAll(async () => {
  await running.stop()
  removeDir(running.dataDir)
})

async function call(method: Method, { path, who = 'editor', body, contentType, accept, ifNoneMatch }: Call) {
  const headers: Record<string, string> = {}
  const token = tokens[who]
  const concrete = path.replace(/\{(\w+)\}/g, (_, key: string) => made[key] ?? `{${key}}`)
  if (ifNoneMatch) {
    const current = await fetch(`${running.httpUrl}${concrete}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    headers['if-none-match'] = current.headers.get('etag') ?? ''
  }
  if (token) headers.authorization = `Bearer ${token}`
  if (accept) headers.accept = accept
  let payload: string | Uint8Array | undefined
  if (body !== undefined) {
    headers['content-type'] = contentType ?? 'application/json'
    payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)
  }
  const res = await fetch(`${running.httpUrl}${concrete}`, { method: method.toUpperCase(), headers, body: payload as BodyInit | undefined })
  const bytes = new Uint8Array(await res.arrayBuffer())
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim()
  const text = new TextDecoder().decode(bytes)
  return { status: res.status, type, bytes, text, json: type === 'application/json' && text ? (JSON.parse(text) as unknown) : undefined }
}

function operations(): Array<{ path: string; method: Method; operation: Operation }> {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => ({ path, method, operation: item[method] as Operation })),
  )
}

function validator() {
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; the description itself is the root that
  // every "#/components/schemas/…" reference resolves in.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema({ ...spec, $id: 'tandem-openapi' })
  return (schema: object, value: unknown) => {
    const anchored = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"tandem-openapi#/components/')) as object
    const validate = ajv.compile(anchored)
    return validate(value) ? null : ajv.errorsText(validate.errors)
  }
}

describe('the OpenAPI description (/api/openapi.json)', () => {
  it('[H8] is OpenAPI 3.1 for this release', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(spec.openapi).toBe('3.1.0')
    expect(spec.info.version).toBe(pkg.version)
  })

  it('[H8] has an example call for every operation and no call for an operation it lacks', () => {
    const ids = operations().map(({ operation }) => operation.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.filter((id) => !(id in CALLS))).toEqual([])
    expect(Object.keys(CALLS).filter((id) => !ids.includes(id))).toEqual([])
  })

  it('[H8] every operation answers with a documented status, media type and body', async () => {
    const check = validator()
    const mismatches: string[] = []
    // Deleting last: other calls use the documents it would remove.
    const ordered = operations().sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'))
    for (const { method, operation } of ordered) {
      for (const example of CALLS[operation.operationId] ?? []) {
        const res = await call(method, example)
        const where = `${method.toUpperCase()} ${example.path} (${example.who ?? 'editor'}) → ${res.status}`
        const documented = operation.responses[String(res.status)]
        if (!documented) {
          mismatches.push(`${where}: status not documented (${res.text.slice(0, 120)})`)
          continue
        }
        if (!documented.content) {
          if (res.bytes.length > 0) mismatches.push(`${where}: documented without a body, answered ${res.type}`)
          continue
        }
        const media = documented.content[res.type]
        if (!media) {
          mismatches.push(`${where}: media type ${res.type} not documented`)
          continue
        }
        const binary = res.type === 'application/octet-stream' || res.type.startsWith('image/')
        const value = res.type === 'application/json' ? res.json : binary ? undefined : res.text
        const problem = value === undefined ? null : check(media.schema, value)
        if (problem) mismatches.push(`${where}: ${problem}`)
      }
    }
    expect(mismatches).toEqual([])
  })

  it('[H8] the README names every operation, and every endpoint the README names is described', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    // "`POST /api/docs/<id>/versions/<versionId>/restore`" → "POST /api/docs/{}/versions/{}/restore"
    const shape = (method: string, path: string) => `${method.toUpperCase()} ${path.replace(/<[^>]+>|\{[^}]+\}/g, '{}')}`
    const named = new Set(
      [...readme.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s?]*)/g)].map(([, method, path]) =>
        shape(method!, path!.replace(/\/$/, '')),
      ),
    )
    const described = new Set(operations().map(({ method, path }) => shape(method, path)))
    expect([...described].filter((op) => !named.has(op))).toEqual([])
    expect([...named].filter((op) => !described.has(op))).toEqual([])
  })

  it('[H8] a documented path answers 405 to every method it does not list', async () => {
    const wrong: string[] = []
    for (const [template, item] of Object.entries(spec.paths)) {
      const path = template.replace('{id}', 'oa-doc')
      const who: Who = path.startsWith('/api/admin/') ? 'admin' : 'editor'
      for (const method of METHODS.filter((m) => item[m] === undefined)) {
        const res = await call(method, { path, who, body: method === 'get' || method === 'delete' ? undefined : {} })
        if (res.status !== 405) wrong.push(`${method.toUpperCase()} ${path} → ${res.status}`)
      }
    }
    expect(wrong).toEqual([])
  })
})
