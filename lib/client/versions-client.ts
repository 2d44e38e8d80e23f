/**
 * A client for a document's version history (`/api/docs/<id>/versions`), usable from any
 * framework. Same options and errors as the documents client (`createDocsClient`).
 */
import { DocsApiError, type DocsClientOptions } from './docs-client'
import type { TandemUser } from './identity'

export interface VersionAuthor {
  name: string
  id?: string
}

export interface Version {
  id: string
  /** Null for an automatic version nobody has named. */
  name: string | null
  /** ISO time. */
  createdAt: string
  /** Made by the server on its own (not by someone saving a version). */
  automatic: boolean
  author: VersionAuthor | null
  /** Bytes of the stored state. */
  size: number
}

export interface RestoreResult {
  restored: Version
  /** The state just before the restore, saved as a version of its own. */
  backup: Version
}

export type VersionContentFormat = 'json' | 'html' | 'markdown' | 'text'

export interface VersionsClient {
  /** Newest first. */
  list(docId: string): Promise<Version[]>
  /**
   * Saves the current state as a version (editors). `user` names the author in open mode; with
   * auth on the server takes the token's user.
   */
  create(docId: string, options?: { name?: string; user?: TandemUser }): Promise<Version>
  rename(docId: string, versionId: string, name: string): Promise<Version>
  /** ProseMirror JSON for `json`, text for the others. */
  content(docId: string, versionId: string, format: 'json'): Promise<unknown>
  content(docId: string, versionId: string, format: Exclude<VersionContentFormat, 'json'>): Promise<string>
  /** Puts the version's content back as a new change (editors); every open editor sees it live. */
  restore(docId: string, versionId: string, options?: { user?: TandemUser }): Promise<RestoreResult>
}

/** A version as the server sent it, or null when the shape is not one. */
export function parseVersion(value: unknown): Version | null {
  if (typeof value !== 'object' || value === null) return null
  const raw = value as Record<string, unknown>
  const id = typeof raw.id === 'number' ? String(raw.id) : raw.id
  if (typeof id !== 'string' || id === '') return null
  if (typeof raw.createdAt !== 'string' || Number.isNaN(Date.parse(raw.createdAt))) return null
  let author: VersionAuthor | null = null
  if (typeof raw.author === 'object' && raw.author !== null) {
    const { name, id: authorId } = raw.author as { name?: unknown; id?: unknown }
    if (typeof name === 'string' && name.trim() !== '') author = typeof authorId === 'string' ? { name, id: authorId } : { name }
  }
  return {
    id,
    name: typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name : null,
    createdAt: raw.createdAt,
    automatic: raw.automatic === true,
    author,
    size: typeof raw.size === 'number' && Number.isFinite(raw.size) ? raw.size : 0,
  }
}

function expectVersion(value: unknown): Version {
  const version = parseVersion(value)
  if (!version) throw new DocsApiError(502, 'The server sent a version in an unknown shape')
  return version
}

export function createVersionsClient(options: DocsClientOptions = {}): VersionsClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '')
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))

  const bearer = (): Record<string, string> => {
    const token = typeof options.token === 'function' ? options.token() : options.token
    return token ? { authorization: `Bearer ${token}` } : {}
  }

  const versionsPath = (docId: string, versionId?: string) =>
    `${base}/api/docs/${encodeURIComponent(docId)}/versions${versionId === undefined ? '' : `/${encodeURIComponent(versionId)}`}`

  async function call(method: string, url: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const response = await doFetch(url, {
      method,
      headers: {
        accept,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...bearer(),
        ...options.headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    if (response.ok) return response
    let fields: { error?: unknown; reason?: unknown } = {}
    try {
      fields = (await response.json()) as typeof fields
    } catch {
      // not JSON: the status says enough
    }
    const message =
      typeof fields.error === 'string' ? fields.error : response.status === 404 ? 'Version not found' : `HTTP ${response.status}`
    throw new DocsApiError(response.status, message, typeof fields.reason === 'string' ? fields.reason : null)
  }

  const json = async (method: string, url: string, body?: unknown): Promise<unknown> => (await call(method, url, body)).json()
  const author = (user: TandemUser | undefined) => (user ? { user: { name: user.name, color: user.color } } : {})

  return {
    async list(docId) {
      const data = (await json('GET', versionsPath(docId))) as { versions?: unknown }
      if (!Array.isArray(data?.versions)) return []
      return data.versions.map(parseVersion).filter((v): v is Version => v !== null)
    },
    async create(docId, { name, user } = {}) {
      return expectVersion(await json('POST', versionsPath(docId), { ...(name ? { name } : {}), ...author(user) }))
    },
    async rename(docId, versionId, name) {
      return expectVersion(await json('PATCH', versionsPath(docId, versionId), { name }))
    },
    async content(docId: string, versionId: string, format: VersionContentFormat): Promise<never> {
      const url = `${versionsPath(docId, versionId)}?format=${format}`
      if (format === 'json') return (await json('GET', url)) as never
      return (await (await call('GET', url, undefined, '*/*')).text()) as never
    },
    async restore(docId, versionId, { user } = {}) {
      const data = (await json('POST', `${versionsPath(docId, versionId)}/restore`, author(user))) as {
        restored?: unknown
        backup?: unknown
      }
      return { restored: expectVersion(data?.restored), backup: expectVersion(data?.backup) }
    },
  }
}
