import type { IncomingMessage } from 'node:http'
import pino from 'pino'
import { beforeAll, describe, expect, it } from 'vitest'
import { ACCESS_FAILURES, type AccessFailure, INVALID_DOC_ID_MESSAGE } from '../../lib/protocol'
import { Authenticator } from '../../server/auth/authenticator'
import { RevocationList } from '../../server/auth/revocations'
import { TokenService } from '../../server/auth/tokens'
import { clientAddressResolver } from '../../server/http/client-address'
import { Admission } from '../../server/limits/admission'
import { MemoryRevocationStore } from '../../server/storage/memory-revocation-store'
import { isRefusal, type Refusal } from '../../server/transport/refusal'
import { type ServerMode, type Ticket, UpgradePolicy } from '../../server/transport/upgrade-policy'
import { signToken, TEST_SECRET } from '../helpers/tokens'

/**
 * The upgrade decision without sockets: a request (URL, headers, peer address) in, null (not
 * a sync path), a refusal, or a ticket out. [U1] [U2] [Z1] [Z2] [Z5] [Z6] [B1]
 */
interface Setup {
  readonly mode?: ServerMode
  readonly auth?: boolean
  readonly allowedOrigins?: readonly string[]
  readonly maxConnectionsPerIp?: number
  readonly maxConnections?: number
  readonly maxConnectionsPerDocument?: number
}

async function policyFor(setup: Setup = {}) {
  const revocations = new RevocationList(new MemoryRevocationStore())
  await revocations.revoke('user', 'mallory', Date.now() + 60_000)
  const tokens = setup.auth === false ? null : new TokenService({ kind: 'secret', secret: TEST_SECRET })
  const limitHits: string[] = []
  const policy = new UpgradePolicy({
    mode: setup.mode ?? 'standalone',
    auth: new Authenticator(tokens, revocations, setup.allowedOrigins ?? []),
    admission: new Admission({
      maxConnections: setup.maxConnections ?? 100,
      maxConnectionsPerIp: setup.maxConnectionsPerIp ?? 100,
      maxConnectionsPerDocument: setup.maxConnectionsPerDocument ?? 100,
    }),
    clientAddress: clientAddressResolver([]),
    logger: pino({ level: 'silent' }),
    onLimitHit: (kind) => limitHits.push(kind),
  })
  return { policy, limitHits }
}

function request(url: string, options: { origin?: string; peer?: string } = {}): IncomingMessage {
  const headers = options.origin === undefined ? {} : { origin: options.origin }
  return { url, headers, socket: { remoteAddress: options.peer ?? '192.0.2.1' } } as unknown as IncomingMessage
}

async function decide(policy: UpgradePolicy, req: IncomingMessage): Promise<Ticket | Refusal | null> {
  return (await policy.decide(req)) ?? null
}

const authRefusal = (failure: AccessFailure): Refusal => ({
  status: ACCESS_FAILURES[failure].status,
  reason: failure,
  message: ACCESS_FAILURES[failure].message,
})
const invalidId: Refusal = {
  status: 400,
  reason: 'invalid_document_id',
  message: INVALID_DOC_ID_MESSAGE,
}

const tokens: Record<string, string> = {}
beforeAll(async () => {
  tokens.editor = await signToken({ sub: 'alice', name: 'Alice', docs: ['*'], role: 'editor' })
  tokens.viewerOfTeam = await signToken({ sub: 'bob', docs: ['team-*'], role: 'viewer' })
  tokens.expired = await signToken({ sub: 'alice', docs: ['*'], role: 'editor' }, { expiresIn: -30 })
  tokens.forged = await signToken({ sub: 'alice', docs: ['*'], role: 'editor' }, { secret: 'another-secret-of-at-least-thirty-two-chars' })
  tokens.badClaims = await signToken({ sub: 'alice', docs: ['*'], role: 'owner' })
  tokens.revoked = await signToken({ sub: 'mallory', docs: ['*'], role: 'editor' })
})

describe('upgrade policy: paths and document ids', () => {
  it('[U1][U2] which paths are sync paths, per mode, and which ids are refused with 400', async () => {
    const standalone = (await policyFor({ auth: false })).policy
    const app = (await policyFor({ auth: false, mode: 'app' })).policy
    const table: Array<[url: string, standaloneOutcome: string | Refusal | null, appOutcome: string | Refusal | null]> = [
      ['/doc', 'doc', null],
      ['/collab/doc', 'doc', 'doc'],
      ['/collab/doc?x=1#frag', 'doc', 'doc'],
      ['/A-z_0.9', 'A-z_0.9', null],
      ['/_next/webpack-hmr', invalidId, null],
      ['/', invalidId, null],
      ['/collab', invalidId, invalidId],
      ['/collab/', invalidId, invalidId],
      // The URL's dot segments are resolved first: /collab/.. is the path /, /collab/. is /collab/.
      ['/collab/..', invalidId, null],
      ['/collab/.', invalidId, invalidId],
      ['/collab/a/b', invalidId, invalidId],
      ['/collab/a%20b', invalidId, invalidId],
      [`/collab/${'x'.repeat(128)}`, 'x'.repeat(128), 'x'.repeat(128)],
      [`/collab/${'x'.repeat(129)}`, invalidId, invalidId],
    ]
    for (const [url, inStandalone, inApp] of table) {
      for (const [policy, expected, mode] of [
        [standalone, inStandalone, 'standalone'],
        [app, inApp, 'app'],
      ] as const) {
        const outcome = await decide(policy, request(url))
        const seen = outcome === null || isRefusal(outcome) ? outcome : outcome.docId
        expect(seen, `${url} in ${mode} mode`).toEqual(expected)
        if (outcome !== null && !isRefusal(outcome)) policy.release(outcome)
      }
    }
  })

  it('[U1] an invalid id is refused before the token is looked at (no token needed to learn it is invalid)', async () => {
    const { policy } = await policyFor()
    expect(policy.decide(request('/collab/a%20b'))).toEqual(invalidId)
  })
})

describe('upgrade policy: auth and origin', () => {
  it('[Z1][Z2][Z5] tokens: a ticket with the identity, or the refusal named after the failure', async () => {
    const { policy } = await policyFor()
    const table: Array<[url: string, expected: string | Refusal]> = [
      ['/collab/doc', authRefusal('MissingToken')],
      ['/collab/doc?token=', authRefusal('MissingToken')],
      ['/collab/doc?token=not-a-jwt', authRefusal('InvalidToken')],
      [`/collab/doc?token=${tokens.badClaims}`, authRefusal('InvalidToken')],
      [`/collab/doc?token=${tokens.expired}`, authRefusal('Expired')],
      [`/collab/doc?token=${tokens.forged}`, authRefusal('InvalidSignature')],
      [`/collab/doc?token=${tokens.viewerOfTeam}`, authRefusal('WrongDocument')],
      [`/collab/team-notes?token=${tokens.viewerOfTeam}`, 'bob'],
      [`/collab/doc?token=${tokens.revoked}`, authRefusal('Revoked')],
      [`/doc?token=${tokens.editor}`, 'alice'],
    ]
    for (const [url, expected] of table) {
      const outcome = await decide(policy, request(url))
      if (outcome === null) throw new Error(`${url}: not a sync path`)
      expect(isRefusal(outcome) ? outcome : outcome.identity?.userId, url).toEqual(expected)
      if (!isRefusal(outcome)) policy.release(outcome)
    }
  })

  it('[Z6] with allowed origins, another Origin gets 403 even in open mode; no Origin (not a browser) passes', async () => {
    for (const auth of [true, false]) {
      const { policy } = await policyFor({ auth, allowedOrigins: ['https://docs.example.com'] })
      const url = auth ? `/collab/doc?token=${tokens.editor}` : '/collab/doc'
      expect(await decide(policy, request(url, { origin: 'https://evil.example' }))).toEqual(authRefusal('OriginNotAllowed'))
      // The origin is checked first: a bad origin with no token is still an origin refusal.
      expect(await decide(policy, request('/collab/doc', { origin: 'https://evil.example' }))).toEqual(authRefusal('OriginNotAllowed'))
      for (const origin of ['https://docs.example.com', undefined]) {
        const outcome = await decide(policy, request(url, { origin }))
        expect(outcome !== null && !isRefusal(outcome), `origin ${origin}, auth ${auth}`).toBe(true)
      }
    }
  })

  it('[Z8] open mode: a ticket with no identity', async () => {
    const { policy } = await policyFor({ auth: false })
    expect(await decide(policy, request('/collab/doc?token=whatever', { peer: '::ffff:198.51.100.4' }))).toEqual({
      docId: 'doc',
      identity: null,
      address: '198.51.100.4',
    })
  })
})

describe('upgrade policy: admission', () => {
  it('[B1] per address: the third connection from one address gets 429, counted as a limit hit; a released ticket frees its slot', async () => {
    const { policy, limitHits } = await policyFor({ auth: false, maxConnectionsPerIp: 2 })
    const first = await decide(policy, request('/collab/a'))
    const second = await decide(policy, request('/collab/b'))
    expect([first, second].every((t) => t !== null && !isRefusal(t))).toBe(true)
    expect(await decide(policy, request('/collab/c'))).toEqual({
      status: 429,
      reason: 'connections_per_ip',
      message: 'too many connections from this address',
    })
    expect(limitHits).toEqual(['connections_per_ip'])
    // Another address is counted on its own.
    expect(isRefusal(await decide(policy, request('/collab/c', { peer: '192.0.2.2' })))).toBe(false)
    policy.release(first as Ticket)
    expect(isRefusal(await decide(policy, request('/collab/c')))).toBe(false)
    expect(limitHits).toEqual(['connections_per_ip'])
  })

  it('[B1] in total (503) and per document (429)', async () => {
    const total = await policyFor({ auth: false, maxConnections: 1 })
    await decide(total.policy, request('/collab/a'))
    expect(await decide(total.policy, request('/collab/b', { peer: '192.0.2.9' }))).toEqual({
      status: 503,
      reason: 'connections',
      message: 'server is at its connection limit',
    })
    const perDocument = await policyFor({ auth: false, maxConnectionsPerDocument: 1 })
    await decide(perDocument.policy, request('/collab/a'))
    expect(await decide(perDocument.policy, request('/collab/a', { peer: '192.0.2.9' }))).toEqual({
      status: 429,
      reason: 'connections_per_document',
      message: 'too many connections to this document',
    })
    expect(isRefusal(await decide(perDocument.policy, request('/collab/b', { peer: '192.0.2.9' })))).toBe(false)
    expect([...total.limitHits, ...perDocument.limitHits]).toEqual(['connections', 'connections_per_document'])
  })

  it('[B1] refused by auth or by its id: no slot is taken', async () => {
    const { policy } = await policyFor({ maxConnectionsPerIp: 1 })
    for (let i = 0; i < 3; i++) {
      expect(isRefusal(await decide(policy, request('/collab/doc')))).toBe(true)
      expect(isRefusal(await decide(policy, request('/collab/a%20b')))).toBe(true)
    }
    const ticket = await decide(policy, request(`/collab/doc?token=${tokens.editor}`))
    expect(ticket).toMatchObject({ docId: 'doc', address: '192.0.2.1', identity: { userId: 'alice', name: 'Alice', role: 'editor' } })
  })
})
