import type { IncomingMessage } from 'node:http'
import proxyAddr from 'proxy-addr'

/** The address a request really comes from (per-address limits count by it). */
export type ClientAddress = (request: IncomingMessage) => string

/**
 * X-Forwarded-For is believed only when the direct peer is a trusted proxy (an address or a
 * CIDR range of `trustedProxies`, as `config.ts` accepts them). Then the hops are read from the
 * right, and the first one that is not itself a trusted proxy is the client: the leftmost
 * entries are whatever the client chose to send. When every hop is trusted, the leftmost is.
 */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddress {
  const trust = proxyAddr.compile([...trustedProxies])
  return (request) => {
    // Undefined once the socket is gone (proxy-addr's types do not say so).
    const address: string | undefined = proxyAddr(request, trust)
    return normalize(address ?? 'unknown')
  }
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
}
