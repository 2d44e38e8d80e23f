/** A small client for the documents REST API (`/api/docs`), usable from any framework. */
export interface DocMeta {
  id: string
  title: string
  createdAt: string
  updatedAt: string
}

/** A document as `GET /api/docs` lists it. */
export interface ListedDoc extends DocMeta {
  /** Who made the last change, when known. */
  lastEditor: string | null
  /** The start of the text (not the title), one line; null until the server has computed it. */
  preview: string | null
}

/** Part of a snippet that matched a search word (offsets into `text`, UTF-16 code units). */
export interface SnippetHighlight {
  start: number
  length: number
}

/** A line of a document's text around the first match of a search, as plain text. */
export interface SearchSnippet {
  text: string
  highlights: SnippetHighlight[]
}

/** A document `GET /api/docs?q=` found; `snippet` is null when only the title matched. */
export interface FoundDoc extends ListedDoc {
  snippet: SearchSnippet | null
}

export class DocsApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** With auth on, why a 401/403 was refused (`MissingToken`, `Expired`, `Revoked`, …). */
    readonly reason: string | null = null,
  ) {
    super(message)
    this.name = 'DocsApiError'
  }
}

/** A share link from `POST /api/docs/<id>/links`; `url` is relative to the server. */
export interface ShareLink {
  /** False in open mode: the link is the plain document URL and anyone can edit. */
  auth: boolean
  role: 'viewer' | 'editor'
  url: string
  expiresAt: string | null
}

export interface DocsClientOptions {
  /** Origin of the Tandem server; empty for same-origin. */
  baseUrl?: string
  fetch?: typeof fetch
  /** Extra headers. */
  headers?: Record<string, string>
  /** Sent as `Authorization: Bearer`; a function is asked on every call (tokens get refreshed). */
  token?: string | null | (() => string | null | undefined)
}

export interface DocsClient {
  /** Every document worth a row, most recently edited first. */
  list(): Promise<ListedDoc[]>
  /** The documents whose title or text contains every word of `query` (case-insensitive). */
  search(query: string, init?: { signal?: AbortSignal }): Promise<FoundDoc[]>
  create(title?: string): Promise<DocMeta>
  get(id: string): Promise<DocMeta | null>
  /** Idempotent: creates the document when it does not exist yet. */
  ensure(id: string): Promise<DocMeta>
  rename(id: string, title: string): Promise<DocMeta>
  remove(id: string): Promise<void>
  /** A share link (editors only). In open mode view-only links are refused (409, explained). */
  createLink(id: string, role: 'viewer' | 'editor', expiresInDays?: number): Promise<ShareLink>
  /** Create a document with a chosen id (e.g. under a token's `prefix*`). */
  createWithId(id: string, title?: string): Promise<DocMeta>
  /** The stored content as text (`GET /api/docs/<id>/content?format=`). */
  readContent(id: string, format: 'json' | 'html' | 'markdown' | 'text'): Promise<string>
  /**
   * Replaces (`PUT`) or appends to (`POST`) the content; the server converts the body by its
   * `contentType` (Markdown, HTML, ProseMirror JSON or a Word .docx file).
   */
  writeContent(id: string, mode: 'replace' | 'append', body: string | Blob | ArrayBuffer, contentType: string): Promise<void>
}

/** A random id (or the part after a token's `prefix*`): 12 URL-safe characters, 72 bits. */
export function randomDocIdPart(): string {
  const bytes = new Uint8Array(9)
  globalThis.crypto.getRandomValues(bytes)
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

export function createDocsClient(options: DocsClientOptions = {}): DocsClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '')
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))

  const bearer = (): Record<string, string> => {
    const token = typeof options.token === 'function' ? options.token() : options.token
    return token ? { authorization: `Bearer ${token}` } : {}
  }

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; data: T | null }> {
    const response = await doFetch(`${base}/api/docs${path}`, {
      method,
      ...(signal ? { signal } : {}),
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...bearer(),
        ...options.headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    if (response.status === 204) return { status: 204, data: null }
    const text = await response.text()
    let data: unknown = null
    try {
      data = text ? JSON.parse(text) : null
    } catch {
      data = null
    }
    if (!response.ok && response.status !== 404) {
      const fields = (data ?? {}) as { error?: unknown; reason?: unknown }
      const message = typeof fields.error === 'string' ? fields.error : `HTTP ${response.status}`
      throw new DocsApiError(response.status, message, typeof fields.reason === 'string' ? fields.reason : null)
    }
    return { status: response.status, data: data as T }
  }

  /** A call whose body or answer is not JSON; errors are read like any other call's. */
  async function raw(method: string, path: string, init: { body?: BodyInit; contentType?: string } = {}): Promise<string> {
    const response = await doFetch(`${base}/api/docs${path}`, {
      method,
      headers: { ...(init.contentType ? { 'content-type': init.contentType } : {}), ...bearer(), ...options.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    })
    const text = await response.text()
    if (response.ok) return text
    if (response.status === 404) throw new DocsApiError(404, 'Document not found')
    let fields: { error?: unknown; reason?: unknown } = {}
    try {
      fields = JSON.parse(text) ?? {}
    } catch {
      fields = {}
    }
    const message = typeof fields.error === 'string' ? fields.error : `HTTP ${response.status}`
    throw new DocsApiError(response.status, message, typeof fields.reason === 'string' ? fields.reason : null)
  }

  const path = (id: string) => `/${encodeURIComponent(id)}`
  const expect = <T>(result: { status: number; data: T | null }): T => {
    if (result.status === 404 || result.data === null) throw new DocsApiError(result.status, 'Document not found')
    return result.data
  }

  return {
    async list() {
      const { data } = await request<{ documents?: ListedDoc[] }>('GET', '')
      return Array.isArray(data?.documents) ? data.documents : []
    },
    async search(query, init = {}) {
      const { data } = await request<{ documents?: FoundDoc[] }>('GET', `?q=${encodeURIComponent(query)}`, undefined, init.signal)
      return Array.isArray(data?.documents) ? data.documents : []
    },
    async create(title) {
      return expect(await request<DocMeta>('POST', '', title === undefined ? {} : { title }))
    },
    async get(id) {
      const result = await request<DocMeta>('GET', path(id))
      return result.status === 404 ? null : result.data
    },
    async ensure(id) {
      return expect(await request<DocMeta>('PUT', path(id), {}))
    },
    async rename(id, title) {
      return expect(await request<DocMeta>('PATCH', path(id), { title }))
    },
    async remove(id) {
      const result = await request<null>('DELETE', path(id))
      if (result.status === 404) throw new DocsApiError(404, 'Document not found')
    },
    async createLink(id, role, expiresInDays) {
      const link = expect(
        await request<ShareLink>('POST', `${path(id)}/links`, expiresInDays === undefined ? { role } : { role, expiresInDays }),
      )
      return { auth: link.auth !== false, role: link.role, url: link.url, expiresAt: link.expiresAt ?? null }
    },
    async createWithId(id, title) {
      return expect(await request<DocMeta>('POST', '', title === undefined ? { id } : { id, title }))
    },
    async readContent(id, format) {
      return raw('GET', `${path(id)}/content?format=${format}`)
    },
    async writeContent(id, mode, body, contentType) {
      await raw(mode === 'replace' ? 'PUT' : 'POST', `${path(id)}/content`, { body, contentType })
    },
  }
}
