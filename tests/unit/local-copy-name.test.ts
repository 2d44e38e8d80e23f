import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { LOCAL_COPY_PREFIX, localCopyName, localCopyPrefixFor, localCopyUserKey } from '../../lib/client/local-copy'

describe('local copy names', () => {
  it('separate servers, users and documents, and share a per-server prefix', () => {
    const a = localCopyName({ serverUrl: 'wss://docs.example/collab', userKey: 'user:ada', docId: 'notes' })
    expect(a.startsWith(LOCAL_COPY_PREFIX)).toBe(true)
    expect(a.startsWith(localCopyPrefixFor('wss://docs.example/collab'))).toBe(true)
    const names = new Set([
      a,
      localCopyName({ serverUrl: 'wss://other.example/collab', userKey: 'user:ada', docId: 'notes' }),
      localCopyName({ serverUrl: 'wss://docs.example/collab', userKey: 'user:grace', docId: 'notes' }),
      localCopyName({ serverUrl: 'wss://docs.example/collab', userKey: 'user:ada', docId: 'plans' }),
    ])
    expect(names.size).toBe(4)
    expect(
      localCopyName({ serverUrl: 'wss://other.example/collab', userKey: 'u', docId: 'd' }).startsWith(
        localCopyPrefixFor('wss://docs.example/collab'),
      ),
    ).toBe(false)
  })

  it('belong to the token’s subject with auth on, else to the browser', async () => {
    const secret = new TextEncoder().encode('x'.repeat(32))
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ada@example.org').sign(secret)
    const other = await new SignJWT({ name: 'Ada' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada@example.org').sign(secret)
    expect(localCopyUserKey({ accessToken: token, browserId: 'b1' })).toBe('user:ada@example.org')
    // Another token of the same person: the same copies.
    expect(localCopyUserKey({ accessToken: other, browserId: 'b2' })).toBe('user:ada@example.org')
    expect(localCopyUserKey({ accessToken: null, browserId: 'b1' })).toBe('browser:b1')
  })
})
