import type { IncomingMessage, ServerResponse } from 'node:http'
import * as Y from 'yjs'
import { z } from 'zod'
import type { Authenticator } from '../auth/authenticator'
import type { Identity } from '../auth/claims'
import { DocumentDeletedError, type Storage, type VersionAuthor, type VersionMeta } from '../storage/storage'
import { DocumentCatchingUpError, type Restorer, type VersionService } from '../versions/version-service'
import { CONTENT_FORMATS, contentRenderer, isContentFormat, sendContent } from './content-formats'
import { HttpError, parseBody, readJson, sendJson } from './respond'

/**
 * A document's version history (server rules V1–V7):
 *   GET   /api/docs/<id>/versions                       {versions: [...]}, newest first
 *   POST  /api/docs/<id>/versions {name?, user?}         save the stored state      → 201
 *   GET   /api/docs/<id>/versions/<vid>?format=json|html|markdown|text|yjs
 *                                                       the version's content (json by default)
 *   PATCH /api/docs/<id>/versions/<vid> {name}          name or rename it
 *   POST  /api/docs/<id>/versions/<vid>/restore {user?} restore it as a forward change
 * A version is `{id, name, createdAt, automatic, author, size}`. Reading needs the viewer role,
 * the rest editor. With auth on, the author is the token's user; in open mode the optional
 * `user: {name, color?}` of the body says who it was (a restore shows it to every client).
 */
export interface VersionsApiDeps {
  readonly storage: Storage
  readonly versions: VersionService
  readonly auth: Authenticator
}

export const MAX_VERSION_NAME_LENGTH = 200

const versionName = z
  .string()
  .trim()
  .min(1, 'name is empty')
  .max(MAX_VERSION_NAME_LENGTH, `name longer than ${MAX_VERSION_NAME_LENGTH} characters`)
const user = z
  .object({
    name: z.string().trim().min(1).max(100),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{3,8}$/, 'color must be a hex colour such as #2b6cb0')
      .optional(),
  })
  .strict()
const createBody = z.object({ name: versionName.nullable().optional(), user: user.optional() }).strict()
const renameBody = z.object({ name: versionName }).strict()
const restoreBody = z.object({ user: user.optional() }).strict()

/** Version ids are the server's (base64url); anything else names no version. */
const VERSION_ID = /^[A-Za-z0-9_-]{1,64}$/

/** Who restores, as every client shows it, when nobody said. */
const UNNAMED_RESTORER = 'Someone'

export function versionToJson(version: VersionMeta) {
  return {
    id: version.id,
    name: version.name,
    createdAt: new Date(version.createdAt).toISOString(),
    automatic: version.automatic,
    author: version.author,
    size: version.size,
  }
}

function authorOf(identity: Identity | null, claimed: z.infer<typeof user> | undefined): VersionAuthor | null {
  if (identity) return { name: identity.name ?? identity.userId, id: identity.userId }
  return claimed ? { name: claimed.name } : null
}

function restorerOf(identity: Identity | null, claimed: z.infer<typeof user> | undefined): Restorer {
  const name = identity ? (identity.name ?? identity.userId) : (claimed?.name ?? UNNAMED_RESTORER)
  return claimed?.color ? { name, color: claimed.color } : { name }
}

export class VersionsApi {
  constructor(private readonly deps: VersionsApiDeps) {}

  /** Serves /api/docs/<id>/versions…; `path` is what follows `versions` (split on /). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, docId: string, path: readonly string[]): Promise<void> {
    try {
      return await this.route(req, res, url, docId, path)
    } catch (err) {
      // Deleted while the call ran: like any unknown document (L7); nothing re-creates it here.
      if (err instanceof DocumentDeletedError) throw new HttpError(404, `no document ${err.docId}`)
      if (err instanceof DocumentCatchingUpError) throw new HttpError(503, err.message, 'CatchingUp')
      throw err
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, docId: string, path: readonly string[]): Promise<void> {
    const [versionId, action, ...extra] = path
    if (versionId === undefined || versionId === '') {
      if (req.method === 'GET') return this.list(req, res, docId)
      if (req.method === 'POST') return this.create(req, res, docId)
      throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>/versions`)
    }
    if (action === undefined) {
      if (req.method === 'GET') return this.preview(req, res, url, docId, versionId)
      if (req.method === 'PATCH') return this.rename(req, res, docId, versionId)
      throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>/versions/<versionId>`)
    }
    if (action !== 'restore' || extra.length > 0) throw new HttpError(404, 'no such endpoint')
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>/versions/<versionId>/restore`)
    return this.restore(req, res, docId, versionId)
  }

  private async list(req: IncomingMessage, res: ServerResponse, docId: string): Promise<void> {
    await this.deps.auth.authorizeRequest(req, docId, 'viewer')
    await this.requireDocument(docId)
    const versions = await this.deps.versions.list(docId)
    sendJson(res, 200, { versions: versions.map(versionToJson) })
  }

  private async create(req: IncomingMessage, res: ServerResponse, docId: string): Promise<void> {
    const identity = await this.deps.auth.authorizeRequest(req, docId, 'editor')
    const body = parseBody(createBody, await readJson(req))
    await this.requireDocument(docId)
    const version = await this.deps.versions.save(docId, body.name ?? null, authorOf(identity, body.user))
    sendJson(res, 201, versionToJson(version))
  }

  /** The version's content, rendered from a scratch document: the live one is never touched. */
  private async preview(req: IncomingMessage, res: ServerResponse, url: URL, docId: string, versionId: string): Promise<void> {
    await this.deps.auth.authorizeRequest(req, docId, 'viewer')
    const format = url.searchParams.get('format') ?? 'json'
    if (!isContentFormat(format)) throw new HttpError(400, `unknown format ${format}: use ${CONTENT_FORMATS.join(', ')}`)
    await this.requireDocument(docId)
    const version = VERSION_ID.test(versionId) ? await this.deps.versions.get(docId, versionId) : null
    if (!version) throw new HttpError(404, `no version ${versionId} of document ${docId}`)
    const render = await contentRenderer(format)
    const scratch = new Y.Doc()
    try {
      Y.applyUpdate(scratch, version.state)
      sendContent(res, format, render(scratch))
    } finally {
      scratch.destroy()
    }
  }

  private async rename(req: IncomingMessage, res: ServerResponse, docId: string, versionId: string): Promise<void> {
    await this.deps.auth.authorizeRequest(req, docId, 'editor')
    const body = parseBody(renameBody, await readJson(req))
    await this.requireDocument(docId)
    const version = VERSION_ID.test(versionId) ? await this.deps.versions.rename(docId, versionId, body.name) : null
    if (!version) throw new HttpError(404, `no version ${versionId} of document ${docId}`)
    sendJson(res, 200, versionToJson(version))
  }

  private async restore(req: IncomingMessage, res: ServerResponse, docId: string, versionId: string): Promise<void> {
    const identity = await this.deps.auth.authorizeRequest(req, docId, 'editor')
    const body = parseBody(restoreBody, await readJson(req))
    await this.requireDocument(docId)
    const result = VERSION_ID.test(versionId)
      ? await this.deps.versions.restore(docId, versionId, restorerOf(identity, body.user), authorOf(identity, body.user))
      : null
    if (!result) throw new HttpError(404, `no version ${versionId} of document ${docId}`)
    sendJson(res, 200, { restored: versionToJson(result.restored), backup: versionToJson(result.backup) })
  }

  private async requireDocument(docId: string): Promise<void> {
    if (!(await this.deps.storage.getDocument(docId))) throw new HttpError(404, `no document ${docId}`)
  }
}
