import { describe, expect, it } from 'vitest'
import { decodeTokenClaims } from '../../lib/client/tokens'
import { ACCESS_FAILURES, type AccessFailure, grantsDocument, ROLES, roleAtLeast, roleCanWrite } from '../../lib/protocol/access'
import { accessDenialCopy } from '../../lib/react/access-message'
import { AuthError } from '../../server/auth/auth-error'

/** An unsigned JWT-shaped token (the client reads claims as hints, never verifies). */
function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.c2ln`
}

describe('[Z3] one access vocabulary for server and client', () => {
  it('only editors write; commenters are read-only like viewers', () => {
    expect(ROLES.filter((role) => roleCanWrite(role))).toEqual(['editor'])
    expect(roleCanWrite('commenter')).toBe(false)
    expect(roleAtLeast('commenter', 'viewer')).toBe(true)
    expect(roleAtLeast('commenter', 'editor')).toBe(false)
    expect(roleAtLeast('editor', 'commenter')).toBe(true)
  })

  it('a docs claim covers exact ids, prefixes and everything', () => {
    expect(grantsDocument(['team-*'], 'team-a')).toBe(true)
    expect(grantsDocument(['team-*'], 'other')).toBe(false)
    expect(grantsDocument(['*'], 'anything')).toBe(true)
    expect(grantsDocument(['a'], 'ab')).toBe(false)
    expect(grantsDocument(undefined, 'a')).toBe(false)
  })

  it('every refusal has one status, used by the server and explained by the client in its own words', () => {
    const fallback = accessDenialCopy('SomethingNew')
    for (const failure of Object.keys(ACCESS_FAILURES) as AccessFailure[]) {
      const error = new AuthError(failure)
      expect(error.status).toBe(ACCESS_FAILURES[failure].status)
      expect([401, 403]).toContain(error.status)
      expect(accessDenialCopy(failure).title, failure).not.toBe(fallback.title)
    }
  })

  it('the client reads claims with jose, keeping only what it understands', () => {
    expect(decodeTokenClaims(jwt({ sub: 'u', role: 'commenter', docs: ['a', 3], exp: 10 }))).toEqual({
      sub: 'u',
      role: 'commenter',
      docs: ['a'],
      exp: 10,
    })
    expect(decodeTokenClaims(jwt({ sub: 'u', role: 'owner' }))).toEqual({ sub: 'u' })
    for (const bad of ['', 'a.b', 'a.b.c', `x.${Buffer.from('[1]').toString('base64url')}.y`, 'a.b.c.d']) {
      expect(decodeTokenClaims(bad), bad).toBeNull()
    }
  })
})
