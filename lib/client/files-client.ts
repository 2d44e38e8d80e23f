/**
 * The page side of a document's files (server rules F1–F8): uploading an image, asking the
 * server to fetch one by URL, and the address an <img> loads a stored image from.
 *
 * A document stores each image's token-free `url` (`/api/docs/<id>/files/<fileId>`), because
 * every reader has a token of their own. An <img> cannot send an Authorization header, so
 * `displayUrl` adds this reader's token as `?token=`, which the server accepts for file reads
 * only (F4).
 */
export interface UploadedFile {
  id: string
  /** Relative to the server: `/api/docs/<id>/files/<fileId>`. */
  url: string
  type: string
  size: number
}

export interface FilesClientOptions {
  docId: string
  /** Origin of the Tandem server; empty for same-origin. */
  baseUrl?: string
  /** The reader's current token (asked on every call: session tokens are refreshed); null in open mode. */
  token?: () => string | null | undefined
  fetch?: typeof fetch
}

export interface FilesClient {
  readonly docId: string
  /** Uploads an image file; rejects with FileUploadError saying why in words. */
  upload(file: Blob, name?: string): Promise<UploadedFile>
  /** Has the server fetch an http(s) image and store it (pasted HTML's remote pictures). */
  uploadFromUrl(url: string): Promise<UploadedFile>
  /** Whether `src` is a file of this document on this server (nothing to upload again). */
  isOwnFile(src: string): boolean
  /** Where an <img> loads `src` from: this server's files get the reader's token, others stay as they are. */
  displayUrl(src: string): string
}

export class FileUploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'FileUploadError'
  }
}

const FILE_PATH = /^\/api\/docs\/([^/?#]+)\/files\/[A-Za-z0-9_-]{1,64}$/

export function createFilesClient(options: FilesClientOptions): FilesClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '')
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const filesPath = `/api/docs/${encodeURIComponent(options.docId)}/files`

  const bearer = (): Record<string, string> => {
    const token = options.token?.()
    return token ? { authorization: `Bearer ${token}` } : {}
  }

  /** The path of one of this server's files in `src`, or null (another site, a data: URL…). */
  const serverPath = (src: string): string | null => {
    if (src.startsWith('/')) return FILE_PATH.test(src) ? src : null
    if (!base) return null
    try {
      const url = new URL(src)
      return url.origin === new URL(base).origin && FILE_PATH.test(url.pathname) ? url.pathname : null
    } catch {
      return null
    }
  }

  async function post(body: BodyInit, contentType: string, query = '', what = 'the image'): Promise<UploadedFile> {
    let response: Response
    try {
      response = await doFetch(`${base}${filesPath}${query}`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...bearer() },
        body,
      })
    } catch {
      throw new FileUploadError(`Couldn't upload ${what}: the server can't be reached.`, 0)
    }
    const text = await response.text()
    let data: { error?: unknown } & Partial<UploadedFile> = {}
    try {
      data = text ? JSON.parse(text) : {}
    } catch {
      data = {}
    }
    if (response.ok && typeof data.url === 'string') return data as UploadedFile
    throw new FileUploadError(uploadFailure(what, response.status, typeof data.error === 'string' ? data.error : null), response.status)
  }

  return {
    docId: options.docId,
    upload(file, name) {
      const fileName = name ?? (file instanceof File ? file.name : '')
      const query = fileName ? `?name=${encodeURIComponent(fileName)}` : ''
      return post(file, file.type || 'application/octet-stream', query, fileName ? `“${fileName}”` : 'the image')
    },
    uploadFromUrl(url) {
      return post(JSON.stringify({ url }), 'application/json', '', 'an image from another site')
    },
    isOwnFile(src) {
      const path = serverPath(src)
      return path?.startsWith(`${filesPath}/`) === true
    },
    displayUrl(src) {
      const path = serverPath(src)
      if (path === null) return src
      const token = options.token?.()
      return `${base}${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`
    },
  }
}

/** What went wrong, in words a person can act on (the server's own message for the rest). */
function uploadFailure(what: string, status: number, serverMessage: string | null): string {
  if (status === 413) return `Couldn't add ${what}: it is larger than the server accepts.`
  if (status === 415) return `Couldn't add ${what}: only PNG, JPEG, GIF, WebP and AVIF images can be added.`
  if (status === 401 || status === 403) return `Couldn't add ${what}: you can't edit this document.`
  if (status === 410) return `Couldn't add ${what}: the document was deleted.`
  return `Couldn't add ${what}${serverMessage ? `: ${serverMessage}` : ` (HTTP ${status}).`}`
}

/**
 * The files client of an open connection: same server (the HTTP side of its sync URL, so a
 * server under a path prefix keeps it) and the connection's current token.
 */
export function filesClientFor(connection: {
  readonly docId: string
  readonly provider: { readonly serverUrl: string; params: Record<string, string> }
}): FilesClient {
  return createFilesClient({
    docId: connection.docId,
    baseUrl: httpBaseOf(connection.provider.serverUrl),
    token: () => connection.provider.params.token ?? null,
  })
}

/** `wss://host/prefix/collab` → `https://host/prefix`; empty when that is this page's own origin. */
export function httpBaseOf(serverUrl: string): string {
  let url: URL
  try {
    url = new URL(serverUrl)
  } catch {
    return ''
  }
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol
  const prefix = url.pathname.replace(/\/collab\/?$/, '').replace(/\/+$/, '')
  const sameOrigin = typeof location !== 'undefined' && location.origin === url.origin
  return sameOrigin ? prefix : `${url.origin}${prefix}`
}
