import dns from 'node:dns'
import type { LookupFunction } from 'node:net'
import { BlockList, isIP } from 'node:net'

/**
 * Which addresses a webhook may reach. A server that POSTs to any URL an admin gives it can be
 * turned against the network it sits in (SSRF: metadata services, databases, admin panels on
 * loopback), so loopback, private, link-local, unspecified and carrier-grade NAT addresses are
 * refused unless TANDEM_WEBHOOK_ALLOW_PRIVATE is set. The host is checked after DNS resolution
 * when the endpoint is registered and again at every delivery, on the very address the request
 * then connects to (a name that resolved to a public address at registration may later point
 * inside: DNS rebinding).
 */
const FORBIDDEN = new BlockList()
// IPv4
FORBIDDEN.addSubnet('0.0.0.0', 8, 'ipv4') // unspecified, "this network"
FORBIDDEN.addSubnet('10.0.0.0', 8, 'ipv4') // RFC 1918
FORBIDDEN.addSubnet('100.64.0.0', 10, 'ipv4') // carrier-grade NAT (RFC 6598)
FORBIDDEN.addSubnet('127.0.0.0', 8, 'ipv4') // loopback
FORBIDDEN.addSubnet('169.254.0.0', 16, 'ipv4') // link-local (cloud metadata lives here)
FORBIDDEN.addSubnet('172.16.0.0', 12, 'ipv4') // RFC 1918
FORBIDDEN.addSubnet('192.168.0.0', 16, 'ipv4') // RFC 1918
FORBIDDEN.addSubnet('224.0.0.0', 4, 'ipv4') // multicast
FORBIDDEN.addSubnet('240.0.0.0', 4, 'ipv4') // reserved, broadcast
// IPv6
FORBIDDEN.addAddress('::', 'ipv6') // unspecified
FORBIDDEN.addAddress('::1', 'ipv6') // loopback
FORBIDDEN.addSubnet('fc00::', 7, 'ipv6') // unique local
FORBIDDEN.addSubnet('fe80::', 10, 'ipv6') // link-local
FORBIDDEN.addSubnet('ff00::', 8, 'ipv6') // multicast

/** Why an address may not be reached, or null when it may. */
export function forbiddenAddressReason(address: string): string | null {
  const family = isIP(address)
  if (family === 0) return `${address} is not an IP address`
  if (family === 6) {
    // IPv4 written as IPv6 (::ffff:10.0.0.1) is that IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
    if (mapped) return forbiddenAddressReason(mapped[1] as string)
    if (FORBIDDEN.check(address, 'ipv6')) return `${address} is a loopback, private, link-local or unspecified address`
    return null
  }
  if (FORBIDDEN.check(address, 'ipv4')) return `${address} is a loopback, private, link-local, CGNAT or unspecified address`
  return null
}

/** A webhook URL that may not be used; `message` says why (answered as the API's error). */
export class WebhookUrlError extends Error {
  override name = 'WebhookUrlError'
}

export interface UrlPolicy {
  /** Allow private and loopback addresses (local use and tests). */
  readonly allowPrivate: boolean
}

/** The URL parsed, if it is http(s) with a host and no credentials; throws WebhookUrlError otherwise. */
export function parseWebhookUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new WebhookUrlError(`${JSON.stringify(text.slice(0, 200))} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new WebhookUrlError(`only http and https URLs are allowed, not ${url.protocol}`)
  if (url.username || url.password) throw new WebhookUrlError('the URL may not carry credentials')
  if (url.hostname === '') throw new WebhookUrlError('the URL has no host')
  return url
}

/** The hostname as DNS and isIP know it (brackets of an IPv6 literal removed). */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
}

/**
 * Checks a URL for registration: its form, then every address its host resolves to. Throws
 * WebhookUrlError with the reason.
 */
export async function checkWebhookUrl(text: string, policy: UrlPolicy, resolve = lookupAll): Promise<URL> {
  const url = parseWebhookUrl(text)
  if (policy.allowPrivate) return url
  const host = bareHost(url)
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : await resolve(host)
  } catch (err) {
    throw new WebhookUrlError(`the host ${host} does not resolve: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (addresses.length === 0) throw new WebhookUrlError(`the host ${host} does not resolve`)
  for (const address of addresses) {
    const reason = forbiddenAddressReason(address)
    if (reason) throw new WebhookUrlError(`the host ${host} resolves to ${reason}; set TANDEM_WEBHOOK_ALLOW_PRIVATE=true to allow it`)
  }
  return url
}

async function lookupAll(host: string): Promise<string[]> {
  const results = await dns.promises.lookup(host, { all: true, verbatim: true })
  return results.map((result) => result.address)
}

/**
 * A `lookup` for http.request that resolves as usual and then refuses a forbidden address, so
 * the address checked is the one connected to (no second resolution in between).
 */
export function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const list = addresses as unknown as dns.LookupAddress[]
      if (!policy.allowPrivate) {
        for (const entry of list) {
          const reason = forbiddenAddressReason(entry.address)
          if (reason) return callback(new WebhookUrlError(`refused: ${hostname} resolves to ${reason}`), '', 0)
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list)
      const first = list[0]
      if (!first) return callback(new WebhookUrlError(`${hostname} does not resolve`), '', 0)
      callback(null, first.address, first.family)
    })
  }
}

/** Whether a literal-IP URL host is forbidden (a lookup is not called for IP literals). */
export function forbiddenLiteralHost(url: URL, policy: UrlPolicy): string | null {
  if (policy.allowPrivate) return null
  const host = bareHost(url)
  return isIP(host) ? forbiddenAddressReason(host) : null
}
