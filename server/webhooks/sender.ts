import http from 'node:http'
import https from 'node:https'
import { forbiddenLiteralHost, guardedLookup, parseWebhookUrl, type UrlPolicy } from './url-policy'

/** What one attempt got: the receiver's status, or why there was none. */
export type AttemptResult = { readonly status: number } | { readonly error: string }

export interface SendOptions {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The whole attempt (connect, send, response headers) must be done by then. */
  readonly timeoutMs: number
  readonly policy: UrlPolicy
}

/** At most this much of a response body is read (and thrown away). */
const MAX_RESPONSE_BYTES = 64 * 1024

/**
 * POSTs one delivery with Node's http/https, resolving the host through the URL policy (the
 * address checked is the one connected to). Never rejects: failures come back as `error`.
 */
export function sendWebhook(options: SendOptions): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let url: URL
    try {
      url = parseWebhookUrl(options.url)
    } catch (err) {
      return resolve({ error: (err as Error).message })
    }
    const literal = forbiddenLiteralHost(url, options.policy)
    if (literal) return resolve({ error: `refused: ${literal}` })
    const client = url.protocol === 'https:' ? https : http
    let settled = false
    const finish = (result: AttemptResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const request = client.request(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(options.body),
        'user-agent': 'Tandem-Webhooks/1',
      },
      lookup: guardedLookup(options.policy),
      // A fresh connection per attempt: a pooled socket would skip the address check.
      agent: false,
    })
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${options.timeoutMs} ms` })
      request.destroy()
    }, options.timeoutMs)
    request.on('error', (err) => finish({ error: err.message || (err as NodeJS.ErrnoException).code || 'request failed' }))
    request.on('response', (response) => {
      finish({ status: response.statusCode ?? 0 })
      let read = 0
      response.on('data', (chunk: Buffer) => {
        read += chunk.length
        if (read > MAX_RESPONSE_BYTES) response.destroy()
      })
      response.on('error', () => {})
    })
    request.end(options.body)
  })
}
