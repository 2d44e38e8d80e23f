import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import type { Authenticator } from '../auth/authenticator'
import { fetchRemoteImage } from '../files/remote-image'
import { IMAGE_EXTENSIONS, IMAGE_TYPES, type ImageType, sniffImageType } from '../files/sniff'
import type { FileMeta, Storage } from '../storage/storage'
import { HttpError, parseBody, readBody, readJson, sendJson } from './respond'

/**
 * A document's files, images shown in it (server rules F1–F8):
 *   POST /api/docs/<id>/files            the image bytes as the body (any image Content-Type,
 *                                        `?name=` optional), or JSON {url} to fetch one
 *                                        → 201 {id, url, type, size} (200: already there)
 *   GET  /api/docs/<id>/files/<fileId>   the image (HEAD too), served as the type its bytes are
 * Uploading needs the editor role (Bearer token); reading needs any role, with the token as
 * `Authorization: Bearer` or, since an <img> cannot send headers, as `?token=` (F4).
 */
export interface FilesApiDeps {
  readonly storage: Storage
  readonly auth: Authenticator
  readonly now: () => number
  readonly maxUploadBytes: number
  readonly allowPrivate: boolean
  /** Time a remote server has to send an image asked for by URL. */
  readonly fetchTimeoutMs: number
}

/** Ids are the server's own (a digest of the bytes); anything else names no file. */
const FILE_ID = /^[A-Za-z0-9_-]{1,64}$/
const MAX_NAME_LENGTH = 120

const remoteBody = z.object({ url: z.string().max(4096, 'url longer than 4096 characters') }).strict()

/** The content-derived id: the same bytes in one document are one file (F5). */
export function fileIdOf(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 32)
}

export function fileUrl(docId: string, fileId: string): string {
  return `/api/docs/${encodeURIComponent(docId)}/files/${fileId}`
}

function fileToJson(docId: string, meta: FileMeta) {
  return { id: meta.id, url: fileUrl(docId, meta.id), type: meta.type, size: meta.size }
}

/**
 * A name safe in a Content-Disposition header and on any disk: letters, digits, `.`, `_` and `-`
 * only, ending in the extension of the type the bytes are (never the one the uploader chose).
 */
export function safeFileName(name: string | null, type: string): string {
  const extension = IMAGE_EXTENSIONS[type as ImageType] ?? 'bin'
  const base = (name ?? '')
    .split(/[\\/]/)
    .pop()
    ?.replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 80)
  return `${base || 'image'}.${extension}`
}

const UNSUPPORTED = `not an image Tandem accepts: the bytes must be ${IMAGE_TYPES.map((t) => t.slice(6).toUpperCase()).join(', ')} (SVG, HTML and other files are refused whatever their declared type or name)`

export class FilesApi {
  constructor(private readonly deps: FilesApiDeps) {}

  /** Serves /api/docs/<id>/files…; `path` is what follows `files` (split on /). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, docId: string, path: readonly string[]): Promise<void> {
    const [fileId, ...extra] = path
    if (fileId === undefined || fileId === '') {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>/files`)
      return this.upload(req, res, url, docId)
    }
    if (extra.length > 0) throw new HttpError(404, 'no such endpoint')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>/files/<fileId>`)
    }
    return this.serve(req, res, docId, fileId)
  }

  private async upload(req: IncomingMessage, res: ServerResponse, url: URL, docId: string): Promise<void> {
    await this.deps.auth.authorizeRequest(req, docId, 'editor')
    const declared = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() || null
    let data: Uint8Array
    let declaredType = declared
    let name = url.searchParams.get('name')
    if (declared === 'application/json') {
      const body = parseBody(remoteBody, await readJson(req, 8 * 1024))
      const fetched = await fetchRemoteImage(body.url, {
        policy: { allowPrivate: this.deps.allowPrivate },
        maxBytes: this.deps.maxUploadBytes,
        timeoutMs: this.deps.fetchTimeoutMs,
      })
      data = fetched.data
      declaredType = fetched.declaredType
      name ??= fetched.name
    } else {
      data = await readBody(req, this.deps.maxUploadBytes).catch((err: unknown) => {
        if (err instanceof HttpError && err.status === 413) {
          throw new HttpError(413, `the image is larger than the limit of ${this.deps.maxUploadBytes} bytes`, 'TooLarge')
        }
        throw err
      })
    }
    if (data.length === 0) throw new HttpError(400, 'the body is empty: send the image bytes')
    const type = sniffImageType(data)
    if (!type) throw new HttpError(415, UNSUPPORTED, 'UnsupportedImage')
    const { created } = await this.deps.storage.ensureDocument(docId, this.deps.now())
    const saved = await this.deps.storage.saveFile(docId, {
      id: fileIdOf(data),
      type,
      declaredType: declaredType?.slice(0, 200) ?? null,
      name: name?.slice(0, MAX_NAME_LENGTH) || null,
      createdAt: this.deps.now(),
      data,
    })
    sendJson(res, saved.created || created ? 201 : 200, fileToJson(docId, saved.meta))
  }

  private async serve(req: IncomingMessage, res: ServerResponse, docId: string, fileId: string): Promise<void> {
    await this.deps.auth.authorizeFileRead(req, docId)
    const file = FILE_ID.test(fileId) ? await this.deps.storage.getFile(docId, fileId) : null
    if (!file) throw new HttpError(404, `no file ${fileId} in document ${docId}`)
    const etag = `"${file.id}"`
    const headers = {
      // The type the bytes are (F2), never the declared one, and the browser told not to guess.
      'content-type': file.type,
      'x-content-type-options': 'nosniff',
      // Opened on its own, the file runs nothing and reaches nothing (F3).
      'content-security-policy': "default-src 'none'; sandbox",
      'content-disposition': `inline; filename="${safeFileName(file.name, file.type)}"`,
      'referrer-policy': 'no-referrer',
      // The id is a digest of the bytes: they never change. Private: it may need a token.
      'cache-control': 'private, max-age=31536000, immutable',
      etag,
    }
    if (req.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag)) {
      res.writeHead(304, headers).end()
      return
    }
    res.writeHead(200, { ...headers, 'content-length': file.size })
    res.end(req.method === 'HEAD' ? undefined : file.data)
  }
}
