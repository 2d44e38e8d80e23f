import fs from 'node:fs'
import path from 'node:path'
import { exportSPKI, generateKeyPair, SignJWT } from 'jose'
import * as decoding from 'lib0/decoding'
import { afterEach, describe, expect, it } from 'vitest'
import { CloseCode } from '../../lib/protocol'
import { serverRoundTrip } from '../helpers/barrier'
import { connectClient, connectSynced, peerNames, type TestClient } from '../helpers/clients'
import { openRaw, upgradeStatus } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { editorToken, signToken, TEST_SECRET } from '../helpers/tokens'
import { waitFor } from '../helpers/wait'

let servers: RunningServer[] = []
const clients: TestClient[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy()
  for (const s of servers.splice(0)) await s.stop()
  for (const d of dirs.splice(0)) removeDir(d)
})

async function start(overrides: Parameters<typeof startServer>[0] = {}, dataDir = makeTempDir()) {
  dirs.push(dataDir)
  const server = await startServer({ authSecret: TEST_SECRET, ...overrides }, {}, dataDir)
  servers.push(server)
  return server
}

async function client(url: string, docId: string, token: string) {
  const c = await connectSynced(url, docId, undefined, { token })
  clients.push(c)
  return c
}

async function api(server: RunningServer, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${server.httpUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : null }
}

const ws = (server: RunningServer, docId: string, token?: string) =>
  `${server.wsUrl}/collab/${docId}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`

/** Records the reasons of auth (permission denied) messages a stock client receives. */
function recordPermissionDenied(c: TestClient): string[] {
  const reasons: string[] = []
  c.provider.messageHandlers[2] = (_encoder, decoder) => {
    decoding.readVarUint(decoder)
    reasons.push(decoding.readVarString(decoder))
  }
  return reasons
}

describe('tokens at the upgrade', () => {
  it('[Z1] no, malformed, expired or forged tokens get 401 and no WebSocket opens', async () => {
    const server = await start()
    expect(await upgradeStatus(ws(server, 'doc'))).toBe(401)
    expect(await upgradeStatus(ws(server, 'doc', 'not-a-jwt'))).toBe(401)
    expect(await upgradeStatus(ws(server, 'doc', await signToken({ sub: 'a', docs: ['*'], role: 'editor' }, { expiresIn: -30 })))).toBe(401)
    const forged = await signToken({ sub: 'a', docs: ['*'], role: 'editor' }, { secret: 'another-secret-of-at-least-thirty-two-chars' })
    expect(await upgradeStatus(ws(server, 'doc', forged))).toBe(401)
    expect(await upgradeStatus(ws(server, 'doc', await signToken({ sub: 'a', docs: ['*'], role: 'editor' }, { omitExp: true })))).toBe(401)
    expect(await upgradeStatus(ws(server, 'doc', await signToken({ sub: 'a', docs: ['*'], role: 'owner' })))).toBe(401)
    expect(await upgradeStatus(ws(server, 'doc', await editorToken('a')))).toBe(101)
    expect(server.server.transport.socketCount).toBeLessThanOrEqual(1)
  })

  it('[Z1] the API names the failure', async () => {
    const server = await start()
    expect(await api(server, 'GET', '/api/docs')).toMatchObject({ status: 401, json: { reason: 'MissingToken' } })
    const expired = await signToken({ sub: 'a', docs: ['*'], role: 'editor' }, { expiresIn: -30 })
    expect(await api(server, 'GET', '/api/docs', expired)).toMatchObject({ status: 401, json: { reason: 'Expired' } })
    const forged = await signToken({ sub: 'a', docs: ['*'], role: 'editor' }, { secret: 'another-secret-of-at-least-thirty-two-chars' })
    expect(await api(server, 'GET', '/api/docs', forged)).toMatchObject({ status: 401, json: { reason: 'InvalidSignature' } })
    expect(await api(server, 'GET', '/api/docs', 'garbage')).toMatchObject({ status: 401, json: { reason: 'InvalidToken' } })
    expect((await api(server, 'GET', '/api/docs', await editorToken('a'))).status).toBe(200)
  })

  it('[Z2] a token for other documents gets 403; prefixes and "*" grant what they say', async () => {
    const server = await start()
    const team = await signToken({ sub: 'a', docs: ['team-*', 'notes'], role: 'editor' })
    expect(await upgradeStatus(ws(server, 'team-roadmap', team))).toBe(101)
    expect(await upgradeStatus(ws(server, 'notes', team))).toBe(101)
    expect(await upgradeStatus(ws(server, 'notes2', team))).toBe(403)
    expect(await upgradeStatus(ws(server, 'other', team))).toBe(403)
    expect(await upgradeStatus(ws(server, 'anything', await editorToken('b', ['*'])))).toBe(101)
  })
})

describe('roles', () => {
  it('[Z3] a viewer sees edits and presence, but its updates are refused and reach no one', async () => {
    const server = await start()
    const editor = await client(server.wsUrl, 'doc', await editorToken('ed', ['doc'], 'Editor'))
    const viewer = await client(server.wsUrl, 'doc', await signToken({ sub: 'vi', name: 'Viewer', docs: ['doc'], role: 'viewer' }))
    const denied = recordPermissionDenied(viewer)
    editor.doc.getText('t').insert(0, 'visible to all')
    await waitFor(() => viewer.doc.getText('t').toString() === 'visible to all', 'viewer sees the edit')
    editor.provider.awareness.setLocalStateField('user', { name: 'x' })
    viewer.provider.awareness.setLocalStateField('user', { name: 'y' })
    await waitFor(() => peerNames(viewer).includes('Editor') && peerNames(editor).includes('Viewer'), 'presence both ways')
    viewer.doc.getText('t').insert(0, 'SNEAKY ')
    await waitFor(() => denied.length > 0, 'permission denied')
    await serverRoundTrip(editor)
    expect(editor.doc.getText('t').toString()).toBe('visible to all')
    const fresh = await client(server.wsUrl, 'doc', await editorToken('other', ['doc']))
    expect(fresh.doc.getText('t').toString()).toBe('visible to all')
  })

  it('[Z3] a commenter is read-only for the document too', async () => {
    const server = await start()
    const commenter = await client(server.wsUrl, 'doc', await signToken({ sub: 'c', docs: ['doc'], role: 'commenter' }))
    const denied = recordPermissionDenied(commenter)
    commenter.doc.getText('t').insert(0, 'nope')
    await waitFor(() => denied.length > 0, 'permission denied')
  })

  it('[Z4] presence names come from the token, not from what the client claims', async () => {
    const server = await start()
    const a = await client(server.wsUrl, 'doc', await editorToken('user-a', ['doc'], 'Ada'))
    const b = await client(server.wsUrl, 'doc', await editorToken('user-b', ['doc']))
    a.provider.awareness.setLocalStateField('user', { name: 'Mallory', color: '#123456' })
    b.provider.awareness.setLocalStateField('user', { name: 'Anyone' })
    await waitFor(() => peerNames(b).length === 1 && peerNames(a).length === 1, 'presence')
    expect(peerNames(b)).toEqual(['Ada'])
    expect(peerNames(a)).toEqual(['user-b'])
    const stateOfA = b.provider.awareness.getStates().get(a.doc.clientID) as { user: Record<string, string> }
    expect(stateOfA.user).toEqual({ name: 'Ada', color: '#123456', id: 'user-a' })
  })

  it('[Z2][H5] on the API, reading (content too) needs any role and changing needs editor; the list shows granted documents only', async () => {
    const server = await start()
    const admin = await editorToken('admin', ['*'])
    // Titled: empty untitled documents are not listed (L8).
    for (const id of ['alpha', 'beta', 'team-x'])
      expect((await api(server, 'PUT', `/api/docs/${id}`, admin, { title: id })).status).toBe(201)
    const viewer = await signToken({ sub: 'v', docs: ['alpha', 'team-*'], role: 'viewer' })
    const list = await api(server, 'GET', '/api/docs', viewer)
    expect(list.json.documents.map((d: { id: string }) => d.id).sort()).toEqual(['alpha', 'team-x'])
    expect((await api(server, 'GET', '/api/docs/alpha', viewer)).status).toBe(200)
    expect((await api(server, 'GET', '/api/docs/beta', viewer)).json.reason).toBe('WrongDocument')
    expect((await api(server, 'GET', '/api/docs/alpha/content', viewer)).status).toBe(200)
    expect((await api(server, 'GET', '/api/docs/beta/content', viewer)).json.reason).toBe('WrongDocument')
    expect((await api(server, 'GET', '/api/docs/alpha/content')).status).toBe(401)
    expect(await api(server, 'PATCH', '/api/docs/alpha', viewer, { title: 'x' })).toMatchObject({
      status: 403,
      json: { reason: 'InsufficientRole' },
    })
    expect((await api(server, 'DELETE', '/api/docs/alpha', viewer)).status).toBe(403)
    expect((await api(server, 'POST', '/api/docs', viewer, { id: 'team-new' })).status).toBe(403)
    expect((await api(server, 'POST', '/api/docs', await editorToken('e', ['team-*']), { id: 'team-new' })).status).toBe(201)
  })
})

describe('revocation', () => {
  it('[Z5] revoking a user closes their open sockets at once (4403) and refuses their older tokens, across restarts', async () => {
    const dataDir = makeTempDir()
    const server = await start({}, dataDir)
    const token = await editorToken('mallory', ['*'], 'Mallory')
    const victim = await openRaw(ws(server, 'doc', token))
    const bystander = await client(server.wsUrl, 'doc', await editorToken('alice', ['*']))
    expect(await api(server, 'POST', '/api/admin/revocations', token, { user: 'mallory' })).toMatchObject({ status: 401 })
    const revoked = await api(server, 'POST', '/api/admin/revocations', TEST_SECRET, { user: 'mallory' })
    expect(revoked.status).toBe(200)
    expect(revoked.json.closedConnections).toBe(1)
    expect((await victim.closed).code).toBe(CloseCode.Forbidden.code)
    expect(bystander.provider.wsconnected).toBe(true)
    expect(await upgradeStatus(ws(server, 'doc', token))).toBe(403)
    expect(await api(server, 'GET', '/api/docs', token)).toMatchObject({ status: 403, json: { reason: 'Revoked' } })
    // A token issued after the revocation (iat is in whole seconds: the next second) is accepted again.
    const nextSecond = Math.floor(Date.now() / 1000) + 1
    const reissued = await signToken({ sub: 'mallory', docs: ['*'], role: 'editor' }, { issuedAt: nextSecond })
    expect(await upgradeStatus(ws(server, 'doc', reissued))).toBe(101)
    // The revocation is stored: a restarted server still refuses the old token.
    for (const c of clients.splice(0)) c.destroy()
    await server.stop()
    servers = servers.filter((s) => s !== server)
    const again = await start({}, dataDir)
    expect(await upgradeStatus(ws(again, 'doc', token))).toBe(403)
  })

  it('[Z5] revoking a document closes everyone in it and leaves other documents alone', async () => {
    const server = await start()
    const token = await editorToken('u', ['*'])
    const inside = await openRaw(ws(server, 'secret-doc', token))
    const elsewhere = await client(server.wsUrl, 'public-doc', token)
    const res = await api(server, 'POST', '/api/admin/revocations', TEST_SECRET, { document: 'secret-doc' })
    expect(res.json.closedConnections).toBe(1)
    expect((await inside.closed).code).toBe(4403)
    expect(elsewhere.provider.wsconnected).toBe(true)
    expect(await upgradeStatus(ws(server, 'secret-doc', token))).toBe(403)
    expect(await upgradeStatus(ws(server, 'public-doc', token))).toBe(101)
    expect((await api(server, 'GET', '/api/admin/revocations', TEST_SECRET)).json.revocations).toHaveLength(1)
  })
})

describe('tokens minted by the server', () => {
  it('[Z7] share links: an editor makes a view-only link; it syncs but cannot write; viewers cannot make links', async () => {
    const server = await start()
    const owner = await editorToken('owner', ['*'], 'Owner')
    await api(server, 'PUT', '/api/docs/shared', owner, { title: 'Shared' })
    const link = await api(server, 'POST', '/api/docs/shared/links', owner, { role: 'viewer' })
    expect(link.status).toBe(201)
    expect(link.json.url).toMatch(/^\/d\/shared\?token=/)
    const linkToken = link.json.token as string
    expect((await api(server, 'POST', '/api/docs/shared/links', linkToken, { role: 'editor' })).status).toBe(403)
    // The page exchanges the link for a session token carrying the name the visitor chose.
    const session = await api(server, 'POST', '/api/tokens', linkToken, { docId: 'shared', name: 'Visitor' })
    expect(session.json).toMatchObject({ auth: true, role: 'viewer', name: 'Visitor' })
    expect((await api(server, 'POST', '/api/tokens', linkToken, { docId: 'other' })).status).toBe(403)
    const visitor = await client(server.wsUrl, 'shared', session.json.token)
    expect(visitor.doc.getText('title').toString()).toBe('Shared')
    const denied = recordPermissionDenied(visitor)
    visitor.doc.getText('t').insert(0, 'x')
    await waitFor(() => denied.length > 0, 'denied')
  })

  it('[Z7] session tokens never outlive the link they came from; /api/session says what a token grants', async () => {
    const server = await start()
    const shortLink = await signToken({ sub: 'link-1', docs: ['d'], role: 'viewer' }, { expiresIn: 90 })
    const session = await api(server, 'POST', '/api/tokens', shortLink, { docId: 'd', name: 'V' })
    expect(Date.parse(session.json.expiresAt) - Date.now()).toBeLessThanOrEqual(91_000)
    const me = await api(server, 'GET', '/api/session', session.json.token)
    expect(me.json).toMatchObject({ auth: true, userId: 'link-1', name: 'V', role: 'viewer', docs: ['d'] })
    expect((await api(server, 'GET', '/api/session')).status).toBe(401)
    // Link creation is authorised before the id is looked up: no token learns nothing.
    expect((await api(server, 'POST', '/api/docs/does-not-exist/links', undefined, { role: 'viewer' })).status).toBe(401)
  })

  it('[Z7] in open mode there is nothing to mint: edit links are plain URLs, view-only links are refused', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const server = await startServer({}, {}, dataDir)
    servers.push(server)
    expect((await api(server, 'POST', '/api/tokens', undefined, { docId: 'd' })).json).toMatchObject({ auth: false, token: null })
    await api(server, 'PUT', '/api/docs/d', undefined, {})
    expect((await api(server, 'POST', '/api/docs/d/links', undefined, { role: 'editor' })).json).toMatchObject({ url: '/d/d' })
    expect((await api(server, 'POST', '/api/docs/d/links', undefined, { role: 'viewer' })).status).toBe(409)
  })

  it('[Z1] public-key mode verifies ES256 tokens minted elsewhere and refuses HS256 ones', async () => {
    const dir = makeTempDir()
    dirs.push(dir)
    const { publicKey, privateKey } = await generateKeyPair('ES256')
    const keyFile = path.join(dir, 'public.pem')
    fs.writeFileSync(keyFile, await exportSPKI(publicKey))
    const server = await start({ authSecret: '', authPublicKeyFile: keyFile, authAlgorithm: 'ES256' })
    const now = Math.floor(Date.now() / 1000)
    const good = await new SignJWT({ sub: 'svc', docs: ['*'], role: 'editor' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(privateKey)
    expect(await upgradeStatus(ws(server, 'doc', good))).toBe(101)
    expect(await upgradeStatus(ws(server, 'doc', await editorToken('x')))).toBe(401)
    expect((await api(server, 'POST', '/api/tokens', good, { docId: 'doc' })).status).toBe(409)
  })
})

describe('origins', () => {
  it('[Z6] with an allowlist, other browser origins get 403; clients without Origin are not browsers and pass', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const server = await startServer({ allowedOrigins: 'https://docs.example.com, http://localhost:3000' }, {}, dataDir)
    servers.push(server)
    const { WebSocket } = await import('ws')
    const statusWithOrigin = (origin: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(ws(server, 'doc'), { origin })
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        socket.on('open', () => {
          resolve(101)
          socket.close()
        })
        socket.on('error', () => {})
      })
    expect(await statusWithOrigin('https://evil.example')).toBe(403)
    expect(await statusWithOrigin('https://docs.example.com')).toBe(101)
    expect(await statusWithOrigin('http://localhost:3000')).toBe(101)
    expect(await upgradeStatus(ws(server, 'doc'))).toBe(101)
  })
})

describe('open mode', () => {
  // The loud warning at start is the entry points' banner: tests/integration/entry-points.test.ts.
  it('[Z8] without a key everything is allowed', async () => {
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    const server = await startServer({}, {}, dataDir)
    servers.push(server)
    expect(await upgradeStatus(ws(server, 'doc'))).toBe(101)
    const c = connectClient(server.wsUrl, 'doc')
    clients.push(c)
    await waitFor(() => c.provider.synced, 'synced without a token')
  })
})
