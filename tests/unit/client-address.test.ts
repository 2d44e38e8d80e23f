import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../../server/config'
import { clientAddressResolver } from '../../server/http/client-address'

/**
 * [B1] The client address per-address limits count by: the socket's peer, or, when the peer is
 * a trusted proxy, the rightmost X-Forwarded-For hop that is not itself a trusted proxy.
 */
function request(peer: string | undefined, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage
}

describe('client address', () => {
  it('[B1] without trusted proxies it is the peer, whatever X-Forwarded-For says', () => {
    const address = clientAddressResolver([])
    expect(address(request('192.0.2.1'))).toBe('192.0.2.1')
    expect(address(request('192.0.2.1', '203.0.113.7'))).toBe('192.0.2.1')
    expect(address(request('::ffff:192.0.2.1', '203.0.113.7'))).toBe('192.0.2.1')
    expect(address(request('2001:db8::1', '203.0.113.7'))).toBe('2001:db8::1')
  })

  it('[B1] a plain trusted address: its X-Forwarded-For is believed, an untrusted peer’s is not', () => {
    const address = clientAddressResolver(['127.0.0.1'])
    expect(address(request('127.0.0.1', '203.0.113.7'))).toBe('203.0.113.7')
    // An IPv4 peer on a dual-stack socket is the same proxy.
    expect(address(request('::ffff:127.0.0.1', '203.0.113.7'))).toBe('203.0.113.7')
    expect(address(request('127.0.0.1'))).toBe('127.0.0.1')
    expect(address(request('127.0.0.2', '203.0.113.7'))).toBe('127.0.0.2')
  })

  it('[B1] a trusted CIDR range: any proxy in it is believed, the rightmost untrusted hop is the client', () => {
    const address = clientAddressResolver(['10.0.0.0/8'])
    expect(address(request('10.200.3.4', '203.0.113.7'))).toBe('203.0.113.7')
    // Proxies in the range are skipped from the right; what the client put on the left is not believed.
    expect(address(request('10.0.0.5', 'spoofed, 198.51.100.9, 203.0.113.7, 10.0.0.9'))).toBe('203.0.113.7')
    // An untrusted hop ends the walk, even with more trusted-looking hops to its left.
    expect(address(request('10.0.0.5', '10.1.1.1, 192.0.2.50, 10.0.0.9'))).toBe('192.0.2.50')
    // Just outside the range: a client like any other.
    expect(address(request('11.0.0.1', '203.0.113.7'))).toBe('11.0.0.1')
    // Every hop a trusted proxy: the farthest one is as close to the client as it gets.
    expect(address(request('10.0.0.5', '10.0.0.8, 10.0.0.9'))).toBe('10.0.0.8')
  })

  it('[B1] IPv6: ranges and addresses, mixed with IPv4 hops', () => {
    const address = clientAddressResolver(['fd00::/8', '::1'])
    expect(address(request('fd12:3456::1', '2001:db8::42'))).toBe('2001:db8::42')
    expect(address(request('::1', '203.0.113.7, fd00::9'))).toBe('203.0.113.7')
    expect(address(request('fe80::1', '2001:db8::42'))).toBe('fe80::1')
    // An IPv6 range does not cover IPv4 peers.
    expect(address(request('10.0.0.1', '2001:db8::42'))).toBe('10.0.0.1')
  })

  it('a request whose socket is already gone has an address too', () => {
    expect(clientAddressResolver(['10.0.0.0/8'])(request(undefined))).toBe('unknown')
  })
})

describe('TANDEM_TRUSTED_PROXIES', () => {
  const parse = (value: string) => parseConfig([], { TANDEM_TRUSTED_PROXIES: value }).trustedProxies

  it('accepts addresses and CIDR ranges, IPv4 and IPv6, comma-separated', () => {
    expect(parse('127.0.0.1')).toEqual(['127.0.0.1'])
    expect(parse('10.0.0.0/8, ::1,fd00::/8 , 192.168.1.0/24')).toEqual(['10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.0/24'])
    expect(parse('')).toEqual([])
    expect(parseConfig(['--trusted-proxies', '172.16.0.0/12'], {}).trustedProxies).toEqual(['172.16.0.0/12'])
  })

  it('refuses, naming the setting and the entry, what is neither', () => {
    for (const bad of [
      'localhost',
      '10.0.0.0/33',
      '10.0.0.0/0',
      'fd00::/129',
      '10.0.0.0/abc',
      '10.0.0.0/',
      '300.1.1.1',
      '127.0.0.1, proxy',
    ]) {
      expect(() => parse(bad), bad).toThrow(ConfigError)
    }
    expect(() => parse('127.0.0.1, proxy')).toThrow(/TANDEM_TRUSTED_PROXIES: "proxy" is not an IP address or CIDR range/)
  })
})
