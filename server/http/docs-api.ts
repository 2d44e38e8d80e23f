import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { grantsDocument, INVALID_DOC_ID_MESSAGE, isValidDocId, MAX_TITLE_LENGTH, TITLE_FIELD } from '../../lib/protocol'
import type { Authenticator } from '../auth/authenticator'
import type { Identity } from '../auth/claims'
import type { ContentWriter, WriteMode } from '../documents/content-writer'
import { loadDocumentModel } from '../documents/document-model'
import type { RoomManager } from '../rooms/room-manager'
import { DocumentDeletedError, type DocumentMeta, type ListedDocument, type Storage } from '../storage/storage'
import { readContentBody } from './content-body'
import { CONTENT_FORMATS, contentRenderer, isContentFormat, sendContent } from './content-formats'
import type { FilesApi } from './files-api'
import { HttpError, parseBody, readJson, sendJson, sendText } from './respond'
import { isListed, MAX_SEARCH_RESULTS, searchTerms, snippetOf } from './search'
import type { TokenApi } from './token-api'
import type { VersionsApi } from './versions-api'

/**
 * The documents REST API:
 *   GET    /api/docs             list, most recently edited first (L8), with lastEditor and preview
 *          /api/docs?q=<words>   search titles and text, with a snippet around the first match (L9)
 *   POST   /api/docs             create {title?, id?}                  → 201
 *   GET    /api/docs/<id>        metadata (JSON), or content with ?format=text|markdown|html
 *   PUT    /api/docs/<id>        create if missing {title?, recreate?} → 201 | 200 (410 if deleted)
 *   PATCH  /api/docs/<id>        rename {title}
 *   DELETE /api/docs/<id>        delete, closing its connections       → 204
 *   POST   /api/docs/<id>/links  a share link {role}                   → 201
 *   GET    /api/docs/<id>/content?format=json|html|markdown|text|yjs
 *                                 the content: ProseMirror JSON (default), HTML, Markdown,
 *                                 plain text, or the Yjs state (Y.encodeStateAsUpdate bytes)
 *   PUT    /api/docs/<id>/content replace the content with the body  → 200 | 201 (created)
 *   POST   /api/docs/<id>/content append the body's blocks           → 200 | 201 (created)
 *                                 body by Content-Type: text/markdown, text/html,
 *                                 application/json (ProseMirror JSON) or a Word .docx
 *                                 (converted to HTML by mammoth, H8); other types 415,
 *                                 invalid content 400 and nothing changed, over 2 MiB 413;
 *                                 creates the document if missing (410 if deleted)
 *          …/content?ifEmpty=true only if the content is empty, else 409 NotEmpty: of racing
 *                                 seeds exactly one wins, across a cluster too
 *          /api/docs/<id>/versions…  the version history (versions-api.ts)
 *          /api/docs/<id>/files…     images shown in the document (files-api.ts)
 * A deleted document stays deleted (L7): reads answer 404 like for any unknown id, creating
 * it again (PUT, or POST with its id) answers 410 Gone with reason "Deleted", and only
 * `PUT {"recreate": true}` brings it back, empty (201).
 * With auth on, each call needs a Bearer token granting the document: reading needs any
 * role, changing needs editor; the list shows only the documents the token grants.
 * The title lives in the document itself (Y.Text "title"), so a rename here reaches every
 * open editor live, and a title typed in an editor shows up here.
 */
export interface DocsApiDeps {
  readonly storage: Storage
  readonly rooms: RoomManager
  readonly auth: Authenticator
  readonly tokenApi: TokenApi
  readonly versionsApi: VersionsApi
  readonly filesApi: FilesApi
  readonly contentWriter: ContentWriter
  readonly now: () => number
}

const titleSchema = z.string().trim().max(MAX_TITLE_LENGTH, `title longer than ${MAX_TITLE_LENGTH} characters`)
const createBody = z.object({ title: titleSchema.optional(), id: z.string().optional() }).strict()
const putBody = z.object({ title: titleSchema.optional(), recreate: z.boolean().optional() }).strict()
const patchBody = z.object({ title: titleSchema }).strict()

function toJson(meta: DocumentMeta) {
  return {
    id: meta.id,
    title: meta.title,
    createdAt: new Date(meta.createdAt).toISOString(),
    updatedAt: new Date(meta.updatedAt).toISOString(),
  }
}

/** A list row: the metadata, who edited last and the start of the text (null: not known yet). */
function toListJson(doc: ListedDocument) {
  return { ...toJson(doc), lastEditor: doc.lastEditor, preview: doc.preview }
}

function newDocId(): string {
  return randomBytes(9).toString('base64url')
}

export class DocsApi {
  constructor(private readonly deps: DocsApiDeps) {}

  /** Serves /api/docs and /api/docs/<id>; throws HttpError for client mistakes. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      return await this.route(req, res, url)
    } catch (err) {
      if (!(err instanceof DocumentDeletedError)) throw err
      // Creating a deleted document is refused; anything else sees no document, as for any
      // unknown id (a deletion may also land while a read or rename runs).
      if (req.method === 'PUT' || req.method === 'POST') {
        throw new HttpError(410, `document ${err.docId} was deleted; PUT {"recreate": true} to create it again`, 'Deleted')
      }
      throw new HttpError(404, `no document ${err.docId}`)
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice('/api/docs'.length)
    if (rest === '' || rest === '/') {
      if (req.method === 'GET') return this.list(req, res, url)
      if (req.method === 'POST') return this.create(req, res)
      throw new HttpError(405, `${req.method} is not allowed on /api/docs`)
    }
    const [id = '', sub, ...extra] = rest.slice(1).split('/')
    if (!isValidDocId(id)) throw new HttpError(400, INVALID_DOC_ID_MESSAGE)
    if (sub === 'content' && extra.length === 0) {
      const mode = CONTENT_WRITE_MODES[req.method ?? '']
      if (req.method === 'GET') {
        await this.deps.auth.authorizeRequest(req, id, 'viewer')
        return this.readContent(res, url, id)
      }
      if (!mode) throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>/content`)
      const author = authorOf(await this.deps.auth.authorizeRequest(req, id, 'editor'))
      return this.writeContent(req, res, url, id, mode, author)
    }
    if (sub === 'versions') return this.deps.versionsApi.handle(req, res, url, id, extra)
    if (sub === 'files') return this.deps.filesApi.handle(req, res, url, id, extra)
    if (sub !== undefined) {
      if (sub !== 'links' || extra.length > 0) throw new HttpError(404, 'no such endpoint')
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>/links`)
      // Authorise before looking the document up, so nobody learns which ids exist.
      await this.deps.auth.authorizeRequest(req, id, 'editor')
      await this.meta(id)
      return this.deps.tokenApi.createLink(req, res, id)
    }
    const needed = req.method === 'GET' ? 'viewer' : 'editor'
    const author = authorOf(await this.deps.auth.authorizeRequest(req, id, needed))
    switch (req.method) {
      case 'GET':
        return this.read(req, res, url, id)
      case 'PUT':
        return this.put(req, res, id, author)
      case 'PATCH':
        return this.rename(req, res, id, author)
      case 'DELETE':
        return this.remove(res, id)
      default:
        throw new HttpError(405, `${req.method} is not allowed on /api/docs/<id>`)
    }
  }

  /**
   * The list (L8: documents with neither a title nor content are left out), or with `?q=` the
   * documents whose title or text contains every word of it, each with a snippet of its text
   * around the first match (L9).
   */
  private async list(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const identity = await this.deps.auth.authorizeRequest(req, null, 'viewer')
    const visible = (doc: ListedDocument) => isListed(doc) && (!identity || grantsDocument(identity.docs, doc.id))
    const q = url.searchParams.get('q')
    const terms = q === null ? [] : searchTerms(q)
    if (terms.length === 0) {
      const documents = await this.deps.storage.listDocuments()
      return sendJson(res, 200, { documents: documents.filter(visible).map(toListJson) })
    }
    const found = (await this.deps.storage.searchDocuments(terms)).filter(visible).slice(0, MAX_SEARCH_RESULTS)
    const texts = await this.deps.storage.documentTexts(found.map((doc) => doc.id))
    const documents = found.map((doc) => ({ ...toListJson(doc), snippet: snippetOf(texts.get(doc.id) ?? '', terms) }))
    sendJson(res, 200, { documents })
  }

  private async create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseBody(createBody, await readJson(req))
    const id = body.id ?? newDocId()
    if (!isValidDocId(id)) throw new HttpError(400, INVALID_DOC_ID_MESSAGE)
    const author = authorOf(await this.deps.auth.authorizeRequest(req, id, 'editor'))
    const { created } = await this.deps.storage.ensureDocument(id, this.deps.now())
    if (!created) throw new HttpError(409, `document ${id} already exists`)
    if (body.title) await this.setTitle(id, body.title, author)
    sendJson(res, 201, toJson(await this.meta(id)))
  }

  private async read(req: IncomingMessage, res: ServerResponse, url: URL, id: string): Promise<void> {
    const meta = await this.meta(id)
    const format = url.searchParams.get('format') ?? formatFromAccept(req.headers.accept)
    if (format === 'json') return sendJson(res, 200, toJson(meta))
    const model = await loadDocumentModel()
    const render = { text: model.toText, markdown: model.toMarkdown, html: model.toHTML }[format]
    if (!render) throw new HttpError(400, `unknown format ${format}: use json, text, markdown or html`)
    const body = await this.deps.rooms.withRoom(id, (room) => room.readStored(render))
    const type = { text: 'text/plain', markdown: 'text/markdown', html: 'text/html' }[format] ?? 'text/plain'
    sendText(res, 200, type, body)
  }

  /** The content in one of CONTENT_FORMATS; only what is stored (D5), like every read. */
  private async readContent(res: ServerResponse, url: URL, id: string): Promise<void> {
    await this.meta(id)
    const format = url.searchParams.get('format') ?? 'json'
    if (!isContentFormat(format)) throw new HttpError(400, `unknown format ${format}: use ${CONTENT_FORMATS.join(', ')}`)
    const render = await contentRenderer(format)
    const body = await this.deps.rooms.withRoom(id, (room) => room.readStored(render))
    sendContent(res, format, body)
  }

  /**
   * Replaces (PUT) or appends to (POST) the content (H6); with `?ifEmpty=true` only if the
   * content is empty, else 409 NotEmpty (H7). The body is read and checked before the document
   * is created or touched, so a refused body changes nothing.
   */
  private async writeContent(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    id: string,
    mode: WriteMode,
    author: string | undefined,
  ): Promise<void> {
    const ifEmpty = parseFlag(url.searchParams.get('ifEmpty'), 'ifEmpty')
    const content = await readContentBody(req)
    const { created } = await this.deps.storage.ensureDocument(id, this.deps.now())
    if (ifEmpty) {
      const seeded = await this.deps.contentWriter.seed(id, content, mode, author)
      if (!seeded) throw new HttpError(409, `document ${id} is not empty: its content was left as it was`, 'NotEmpty')
    } else {
      await this.deps.contentWriter.write(id, content, mode, author)
    }
    sendJson(res, created ? 201 : 200, toJson(await this.meta(id)))
  }

  private async put(req: IncomingMessage, res: ServerResponse, id: string, author: string | undefined): Promise<void> {
    const body = parseBody(putBody, await readJson(req))
    const { created } = await this.deps.storage.ensureDocument(id, this.deps.now(), { recreate: body.recreate === true })
    if (body.title !== undefined) await this.setTitle(id, body.title, author)
    sendJson(res, created ? 201 : 200, toJson(await this.meta(id)))
  }

  private async rename(req: IncomingMessage, res: ServerResponse, id: string, author: string | undefined): Promise<void> {
    const body = parseBody(patchBody, await readJson(req))
    await this.meta(id)
    await this.setTitle(id, body.title, author)
    sendJson(res, 200, toJson(await this.meta(id)))
  }

  private async remove(res: ServerResponse, id: string): Promise<void> {
    if (!(await this.deps.rooms.deleteDocument(id))) throw new HttpError(404, `no document ${id}`)
    res.writeHead(204).end()
  }

  private async meta(id: string): Promise<DocumentMeta> {
    const meta = await this.deps.storage.getDocument(id)
    if (!meta) throw new HttpError(404, `no document ${id}`)
    return meta
  }

  /** Replaces the title text inside the document; stored and relayed like any edit. */
  private setTitle(id: string, title: string, author: string | undefined): Promise<void> {
    return this.deps.rooms.withRoom(id, (room) =>
      room.change((doc) => {
        const text = doc.getText(TITLE_FIELD)
        if (text.toString() === title) return
        text.delete(0, text.length)
        text.insert(0, title)
      }, author),
    )
  }
}

/** Who a change made through the API is announced as (webhooks' `users`), when a token says. */
function authorOf(identity: Identity | null): string | undefined {
  return identity ? (identity.name ?? identity.userId) : undefined
}

/** What each method does to the content (H6). */
const CONTENT_WRITE_MODES: Record<string, WriteMode | undefined> = { PUT: 'replace', POST: 'append' }

/** A boolean query parameter: absent or `false` is false, `true` (or empty, `?ifEmpty`) is true. */
function parseFlag(value: string | null, name: string): boolean {
  if (value === null || value === 'false') return false
  if (value === 'true' || value === '') return true
  throw new HttpError(400, `${name} must be true or false`)
}

function formatFromAccept(accept: string | undefined): string {
  if (!accept) return 'json'
  if (accept.includes('text/markdown')) return 'markdown'
  if (accept.includes('text/html')) return 'html'
  if (accept.includes('text/plain')) return 'text'
  return 'json'
}
