import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RunningServer, removeDir, startServer } from '../helpers/server'
import { makeTempDir } from '../helpers/temp-dir'
import { editorToken, signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * Images uploaded into documents (server rules F1–F8), against a real server on SQLite and on
 * PostgreSQL: what is accepted is decided by the bytes, what is served says exactly what it
 * is and runs nothing, access follows the document's, and files live and die with it.
 */

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/images/${name}`, import.meta.url)))
const IMAGES = [
  { name: 'sample.png', type: 'image/png' },
  { name: 'sample.jpg', type: 'image/jpeg' },
  { name: 'sample.gif', type: 'image/gif' },
  { name: 'sample.webp', type: 'image/webp' },
] as const
const PNG = fixture('sample.png')
const JPEG = fixture('sample.jpg')
/** The upload limit of the servers below: every fixture fits (the PNG is about 41 KB). */
const LIMIT = 64 * 1024

const HTML = new TextEncoder().encode('<!doctype html><script>alert(document.cookie)</script>')
const SVG = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
)
const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj << >> endobj\n')

interface Uploaded {
  id: string
  url: string
  type: string
  size: number
}

const backends = [{ name: 'sqlite', database: false }, ...((await postgresAvailability()) ? [{ name: 'postgres', database: true }] : [])]

describe.each(backends)('files on $name', ({ database: usesDatabase }) => {
  let database: TestDatabase | null = null
  let running: RunningServer
  let dataDir: string
  let editor: string
  let viewer: string
  let stranger: string
  let remote: http.Server
  let remoteUrl: string

  const settings = () => ({
    authSecret: TEST_SECRET,
    maxUploadBytes: String(LIMIT),
    // The remote images below are served on loopback.
    filesAllowPrivate: 'true',
    ...(database ? { databaseUrl: database.url } : {}),
  })

  beforeAll(async () => {
    if (usesDatabase) database = await createTestDatabase()
    dataDir = makeTempDir()
    running = await startServer(settings(), {}, dataDir)
    editor = await editorToken('files-editor', ['*'], 'Ada')
    viewer = await signToken({ sub: 'files-viewer', docs: ['*'], role: 'viewer' })
    stranger = await editorToken('files-stranger', ['someone-else'])
    remote = http.createServer((req, res) => {
      const routes: Record<string, () => void> = {
        '/cat.png': () => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
        '/moved': () => res.writeHead(302, { location: '/cat.png' }).end(),
        '/page.png': () => res.writeHead(200, { 'content-type': 'image/png' }).end(HTML),
        '/huge.png': () => res.writeHead(200, { 'content-type': 'image/png' }).end(new Uint8Array(LIMIT + 10).fill(7)),
      }
      const route = routes[req.url ?? '']
      if (route) route()
      else res.writeHead(404).end('no')
    })
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve))
    remoteUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await running.stop()
    removeDir(dataDir)
    await new Promise((resolve) => remote.close(resolve))
    await database?.drop()
  })

  async function upload(
    docId: string,
    body: Uint8Array | string,
    contentType: string,
    options: { token?: string | null; query?: string } = {},
  ) {
    const token = options.token === undefined ? editor : options.token
    return fetch(`${running.httpUrl}/api/docs/${docId}/files${options.query ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body as BodyInit,
    })
  }

  async function uploadOk(docId: string, bytes: Uint8Array, type: string, query = ''): Promise<Uploaded> {
    const res = await upload(docId, bytes, type, { query })
    expect(res.status, await res.clone().text()).toBe(201)
    return (await res.json()) as Uploaded
  }

  async function read(url: string, token: string | null = editor, init: RequestInit = {}) {
    return fetch(`${running.httpUrl}${url}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
    })
  }

  it('[F1] PNG, JPEG, GIF and WebP upload (201 {id, url, type, size}) and are served byte for byte, as what they are', async () => {
    for (const image of IMAGES) {
      const bytes = fixture(image.name)
      const uploaded = await uploadOk('files-kinds', bytes, image.type, `?name=${image.name}`)
      expect(uploaded).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
        url: `/api/docs/files-kinds/files/${uploaded.id}`,
        type: image.type,
        size: bytes.length,
      })
      const res = await read(uploaded.url)
      expect(res.status).toBe(200)
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes)
      expect(res.headers.get('content-type')).toBe(image.type)
      expect(res.headers.get('content-length')).toBe(String(bytes.length))
    }
  })

  it('[F3] a served file cannot be sniffed into anything else nor run anything, and caches for good', async () => {
    const { url, id } = await uploadOk('files-headers', PNG, 'image/png', `?name=${encodeURIComponent('../../evil "name".html')}`)
    const res = await read(url)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    // The name is tamed and ends in the extension of what the bytes are.
    expect(res.headers.get('content-disposition')).toBe('inline; filename="evil_name_.png"')
    expect(res.headers.get('etag')).toBe(`"${id}"`)
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable')
    const again = await read(url, editor, { headers: { 'if-none-match': `"${id}"` } })
    expect(again.status).toBe(304)
    const head = await read(url, editor, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('image/png')
    expect(head.headers.get('content-length')).toBe(String(PNG.length))
  })

  it('[F2] the bytes decide: HTML declared image/png, SVG with script, a .png name on HTML and a PDF are refused with 415', async () => {
    const refusals = [
      await upload('files-refused', HTML, 'image/png'),
      await upload('files-refused', SVG, 'image/svg+xml'),
      await upload('files-refused', SVG, 'image/png'),
      await upload('files-refused', HTML, 'image/png', { query: '?name=cat.png' }),
      await upload('files-refused', PDF, 'application/pdf'),
      // A polyglot: an image type's name in the text, not its signature in the first bytes.
      await upload('files-refused', new TextEncoder().encode(`<html>GIF89a\x89PNG</html>`), 'image/gif'),
    ]
    for (const res of refusals) {
      expect(res.status).toBe(415)
      const body = (await res.json()) as { error: string; reason: string }
      expect(body.reason).toBe('UnsupportedImage')
      expect(body.error).toContain('PNG, JPEG, GIF, WEBP, AVIF')
    }
    expect(await running.server.storage.listFiles('files-refused')).toEqual([])
  })

  it('[F2] the declared type is kept but the sniffed one is served', async () => {
    const uploaded = await uploadOk('files-declared', PNG, 'image/jpeg')
    expect(uploaded.type).toBe('image/png')
    const [stored] = await running.server.storage.listFiles('files-declared')
    expect(stored).toMatchObject({ type: 'image/png', declaredType: 'image/jpeg' })
    expect((await read(uploaded.url)).headers.get('content-type')).toBe('image/png')
  })

  it('[F5] the same image uploaded twice to a document is stored once (200 the second time)', async () => {
    const first = await uploadOk('files-dedup', JPEG, 'image/jpeg')
    const second = await upload('files-dedup', JPEG, 'image/jpeg')
    expect(second.status).toBe(200)
    expect(await second.json()).toEqual(first)
    expect(await running.server.storage.listFiles('files-dedup')).toHaveLength(1)
  })

  it('[F1] over the upload limit is 413, an empty body 400; nothing is stored', async () => {
    const big = new Uint8Array(LIMIT + 1)
    big.set(PNG.subarray(0, 64))
    const tooBig = await upload('files-limit', big, 'image/png')
    expect(tooBig.status).toBe(413)
    expect(((await tooBig.json()) as { error: string }).error).toContain(String(LIMIT))
    expect((await upload('files-limit', new Uint8Array(0), 'image/png')).status).toBe(400)
    expect(await running.server.storage.listFiles('files-limit')).toEqual([])
  })

  it('[F1] an unknown file, a malformed file id, a document never stored: 404', async () => {
    const { id } = await uploadOk('files-404', PNG, 'image/png')
    expect((await read('/api/docs/files-404/files/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404)
    expect((await read('/api/docs/files-404/files/not%20an%20id')).status).toBe(404)
    expect((await read(`/api/docs/files-never/files/${id}`)).status).toBe(404)
    expect((await read('/api/docs/files-404/files')).status).toBe(405)
    expect((await read(`/api/docs/files-404/files/${id}`, editor, { method: 'DELETE' })).status).toBe(405)
  })

  it('[F4] a viewer reads (Bearer or ?token=) but cannot upload; no token is 401; another document’s token 403', async () => {
    const { url } = await uploadOk('files-auth', PNG, 'image/png')
    expect((await read(url, viewer)).status).toBe(200)
    // What an <img> does: the token in the query, no header.
    const byQuery = await read(`${url}?token=${viewer}`, null)
    expect(byQuery.status).toBe(200)
    expect(new Uint8Array(await byQuery.arrayBuffer())).toEqual(PNG)
    expect((await upload('files-auth', JPEG, 'image/jpeg', { token: viewer })).status).toBe(403)
    expect((await read(url, null)).status).toBe(401)
    expect((await upload('files-auth', JPEG, 'image/jpeg', { token: null })).status).toBe(401)
    // A query token is for reading files only: it does not upload.
    expect((await upload('files-auth', JPEG, 'image/jpeg', { token: null, query: `?token=${editor}` })).status).toBe(401)
    expect((await read(url, stranger)).status).toBe(403)
    expect((await read(`${url}?token=${stranger}`, null)).status).toBe(403)
    expect((await upload('files-auth', JPEG, 'image/jpeg', { token: stranger })).status).toBe(403)
  })

  it('[F6] deleting the document deletes its files; the deleted document takes no new ones (410)', async () => {
    const { url } = await uploadOk('files-doomed', PNG, 'image/png')
    const deleted = await fetch(`${running.httpUrl}/api/docs/files-doomed`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${editor}` },
    })
    expect(deleted.status).toBe(204)
    expect((await read(url)).status).toBe(404)
    expect(await running.server.storage.listFiles('files-doomed')).toEqual([])
    const after = await upload('files-doomed', PNG, 'image/png')
    expect(after.status).toBe(410)
    expect(((await after.json()) as { reason: string }).reason).toBe('Deleted')
  })

  it('[F6] restoring a version whose content shows an image brings the image back, loading', async () => {
    const { url } = await uploadOk('files-history', JPEG, 'image/jpeg')
    const auth = { authorization: `Bearer ${editor}` }
    const withImage = { type: 'doc', content: [{ type: 'image', attrs: { src: url, alt: 'Before', title: null } }] }
    const put = (body: unknown) =>
      fetch(`${running.httpUrl}/api/docs/files-history/content`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect((await put(withImage)).status).toBe(200)
    const saved = await fetch(`${running.httpUrl}/api/docs/files-history/versions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'with the picture' }),
    })
    const version = (await saved.json()) as { id: string }
    expect((await put({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'No picture' }] }] })).status).toBe(200)
    const restored = await fetch(`${running.httpUrl}/api/docs/files-history/versions/${version.id}/restore`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(restored.status).toBe(200)
    const content = await (await read('/api/docs/files-history/content?format=markdown')).text()
    expect(content).toContain(`![Before](${url})`)
    const image = await read(url)
    expect(image.status).toBe(200)
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(JPEG)
  })

  it('[F7] {url} fetches a remote image (following a redirect) with the same checks and limit', async () => {
    const fetched = await upload('files-remote', JSON.stringify({ url: `${remoteUrl}/moved` }), 'application/json')
    expect(fetched.status).toBe(201)
    const uploaded = (await fetched.json()) as Uploaded
    expect(uploaded.type).toBe('image/png')
    expect(new Uint8Array(await (await read(uploaded.url)).arrayBuffer())).toEqual(PNG)
    const [stored] = await running.server.storage.listFiles('files-remote')
    expect(stored).toMatchObject({ declaredType: 'image/png', name: 'cat.png' })
    const html = await upload('files-remote', JSON.stringify({ url: `${remoteUrl}/page.png` }), 'application/json')
    expect(html.status).toBe(415)
    expect((await upload('files-remote', JSON.stringify({ url: `${remoteUrl}/huge.png` }), 'application/json')).status).toBe(413)
    const missing = await upload('files-remote', JSON.stringify({ url: `${remoteUrl}/nothing.png` }), 'application/json')
    expect(missing.status).toBe(502)
    expect(((await missing.json()) as { error: string }).error).toContain('answered 404')
    const notHttp = await upload('files-remote', JSON.stringify({ url: 'file:///etc/passwd' }), 'application/json')
    expect(notHttp.status).toBe(400)
    expect((await upload('files-remote', JSON.stringify({ href: 'x' }), 'application/json')).status).toBe(400)
    expect(await running.server.storage.listFiles('files-remote')).toHaveLength(1)
  })

  it('[F5] files survive a restart of the server', async () => {
    const uploaded = await uploadOk('files-restart', JPEG, 'image/jpeg')
    await running.stop()
    running = await startServer(settings(), {}, dataDir)
    const res = await read(uploaded.url)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(JPEG)
  })
})

describe('files with the default settings', () => {
  let running: RunningServer
  beforeAll(async () => {
    running = await startServer()
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })

  it('[F7] fetching an image from a loopback or private address is refused (400) unless allowed', async () => {
    for (const url of ['http://127.0.0.1:9/cat.png', 'http://10.0.0.1/cat.png', 'http://[::1]/cat.png', 'http://localhost:9/cat.png']) {
      const res = await fetch(`${running.httpUrl}/api/docs/files-ssrf/files`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      })
      expect(res.status, url).toBe(400)
      const body = (await res.json()) as { error: string; reason: string }
      expect(body.reason).toBe('UrlRefused')
      expect(body.error).toContain('TANDEM_FILES_ALLOW_PRIVATE')
    }
  })

  it('[F4] in open mode anyone uploads and reads, with no token; the default limit is 10 MiB', async () => {
    const res = await fetch(`${running.httpUrl}/api/docs/files-open/files`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: PNG,
    })
    expect(res.status).toBe(201)
    const { url } = (await res.json()) as Uploaded
    expect((await fetch(`${running.httpUrl}${url}`)).status).toBe(200)
    expect(running.server.config.maxUploadBytes).toBe(10 * 1024 * 1024)
  })
})
