import http from 'node:http'
import https from 'node:https'
import { HttpError } from '../http/respond'
import { forbiddenLiteralHost, guardedLookup, parseWebhookUrl, type UrlPolicy, WebhookUrlError } from '../webhooks/url-policy'

/**
 * Fetches an image by URL for `POST /api/docs/<id>/files {url}` (server rule F7): what pasted
 * HTML from another site points at. A server that GETs any URL a user names can be turned
 * against its own network (SSRF), so the webhooks' URL policy applies: http(s) only, no
 * credentials, and no loopback, private or link-local address unless TANDEM_FILES_ALLOW_PRIVATE
 * is set, checked on the very address connected to, again at every redirect. The body is cut
 * off past the upload limit and the whole fetch past the time limit.
 */
export interface RemoteImageOptions {
  readonly policy: UrlPolicy
  readonly maxBytes: number
  readonly timeoutMs: number
}

export interface FetchedImage {
  readonly data: Buffer
  /** The type the remote server declared (stored as the declared type; the bytes decide). */
  readonly declaredType: string | null
  /** The last path segment of the URL, as a file name. */
  readonly name: string | null
}

const MAX_REDIRECTS = 3

export async function fetchRemoteImage(text: string, options: RemoteImageOptions): Promise<FetchedImage> {
  let url = checkUrl(text, options.policy)
  const deadline = Date.now() + options.timeoutMs
  for (let redirects = 0; ; redirects++) {
    const answer = await get(url, options, deadline)
    if ('location' in answer) {
      if (redirects >= MAX_REDIRECTS) throw new HttpError(502, `${text.slice(0, 200)} redirects more than ${MAX_REDIRECTS} times`)
      url = checkUrl(new URL(answer.location, url).href, options.policy)
      continue
    }
    const name = decodeURIComponent(url.pathname.split('/').pop() ?? '') || null
    return { data: answer.data, declaredType: answer.type, name }
  }
}

function checkUrl(text: string, policy: UrlPolicy): URL {
  try {
    const url = parseWebhookUrl(text)
    const literal = forbiddenLiteralHost(url, policy)
    if (literal) throw new WebhookUrlError(`refused: ${literal}`)
    return url
  } catch (err) {
    if (err instanceof WebhookUrlError) throw new HttpError(400, withHint(err.message), 'UrlRefused')
    throw err
  }
}

function withHint(message: string): string {
  return message.startsWith('refused') ? `${message} (set TANDEM_FILES_ALLOW_PRIVATE=true to allow it)` : message
}

type Answer = { readonly location: string } | { readonly data: Buffer; readonly type: string | null }

function get(url: URL, options: RemoteImageOptions, deadline: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http
    const request = client.get(url, {
      headers: { accept: 'image/*', 'user-agent': 'Tandem-Files/1' },
      lookup: guardedLookup(options.policy),
      // A fresh connection per request: a pooled socket would skip the address check.
      agent: false,
    })
    const fail = (err: Error) => {
      clearTimeout(timer)
      request.destroy()
      reject(err)
    }
    const timer = setTimeout(
      () => fail(new HttpError(502, `${url.host} did not send the image within ${options.timeoutMs} ms`)),
      Math.max(0, deadline - Date.now()),
    )
    request.on('error', (err) => {
      if (err instanceof HttpError) return fail(err)
      if (err instanceof WebhookUrlError) return fail(new HttpError(400, withHint(err.message), 'UrlRefused'))
      fail(new HttpError(502, `could not fetch ${url.href.slice(0, 200)}: ${err.message || (err as NodeJS.ErrnoException).code}`))
    })
    request.on('response', (response) => {
      const status = response.statusCode ?? 0
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume()
        clearTimeout(timer)
        return resolve({ location: response.headers.location })
      }
      if (status !== 200) {
        response.resume()
        return fail(new HttpError(502, `${url.href.slice(0, 200)} answered ${status}`))
      }
      const declared = Number(response.headers['content-length'])
      if (declared > options.maxBytes) return fail(new HttpError(413, `the image is larger than ${options.maxBytes} bytes`))
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > options.maxBytes) return fail(new HttpError(413, `the image is larger than ${options.maxBytes} bytes`))
        chunks.push(chunk)
      })
      response.on('error', (err) => fail(new HttpError(502, `could not fetch ${url.host}: ${err.message}`)))
      response.on('end', () => {
        clearTimeout(timer)
        const type = response.headers['content-type']?.split(';')[0]?.trim() || null
        resolve({ data: Buffer.concat(chunks), type })
      })
    })
  })
}
