import type { IncomingMessage } from 'node:http'

/**
 * The address a request really comes from. X-Forwarded-For is believed only when the direct
 * peer is a configured trusted proxy; then the rightmost hop that is not itself a trusted
 * proxy is the client (the leftmost entries are whatever the client chose to send).
 */
export function clientAddress(request: IncomingMessage, trustedProxies: readonly string[]): string {
  const peer = normalize(request.socket.remoteAddress ?? 'unknown')
  if (trustedProxies.length === 0 || !trustedProxies.includes(peer)) return peer
  const header = request.headers['x-forwarded-for']
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => normalize(hop.trim()))
    .filter((hop) => hop !== '')
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!
    if (!trustedProxies.includes(hop)) return hop
  }
  return peer
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
}
