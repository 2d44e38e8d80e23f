import type { IncomingMessage } from 'node:http'
import type { Node } from '@tiptap/pm/model'
import { type DocumentModel, loadDocumentModel } from '../documents/document-model'
import { DOCX_MEDIA_TYPE, DocxError, docxToHTML } from '../documents/docx'
import { HttpError, readBody } from './respond'

/** The largest content body accepted (413 beyond): a book's worth of Markdown, with room to spare. */
export const MAX_CONTENT_BODY_BYTES = 2 * 1024 * 1024

/** How each accepted media type becomes ProseMirror JSON. */
const PARSERS: Record<string, (model: DocumentModel, text: string) => unknown> = {
  'text/markdown': (model, text) => model.markdownToJSON(text),
  'text/html': (model, text) => model.htmlToJSON(text),
  'application/json': (model, text) => {
    try {
      return JSON.parse(text)
    } catch {
      throw new model.InvalidContentError('request body is not valid JSON')
    }
  },
}

export const CONTENT_BODY_TYPES = [...Object.keys(PARSERS), DOCX_MEDIA_TYPE]

/**
 * The largest Word .docx upload (413 beyond). Larger than the text bodies: pictures make up
 * most of a typical .docx, and they are never unpacked (see docx.ts).
 */
export const MAX_DOCX_BODY_BYTES = 10 * 1024 * 1024

/**
 * A content body (PUT/POST /api/docs/<id>/content) as a document node, read by its
 * `Content-Type`: Markdown, HTML or ProseMirror JSON, UTF-8, or a Word .docx file. A type not
 * listed is a 415; bytes that are not UTF-8, a file that is not a .docx and content the schema
 * refuses are a 400 saying why. Everything is read and checked before anything is written, so
 * a refused body changes nothing.
 */
export async function readContentBody(req: IncomingMessage): Promise<Node> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type === DOCX_MEDIA_TYPE) return readDocxBody(req)
  const parse = PARSERS[type]
  if (!parse) {
    throw new HttpError(
      415,
      `Content-Type ${type || '(none)'} is not supported: use ${CONTENT_BODY_TYPES.join(', ')}`,
      'UnsupportedMediaType',
    )
  }
  const bytes = await readBody(req, MAX_CONTENT_BODY_BYTES)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new HttpError(400, 'request body is not valid UTF-8', 'InvalidContent')
  }
  const model = await loadDocumentModel()
  return toNode(model, () => parse(model, text))
}

/**
 * A Word .docx body (H9): converted to HTML with mammoth, then read by the same HTML parser as
 * a `text/html` body. What it converts to is held to the HTML body's own limit.
 */
async function readDocxBody(req: IncomingMessage): Promise<Node> {
  const bytes = await readBody(req, MAX_DOCX_BODY_BYTES)
  let html: string
  try {
    html = await docxToHTML(bytes)
  } catch (err) {
    if (err instanceof DocxError) throw new HttpError(400, err.message, 'InvalidContent')
    throw err
  }
  if (Buffer.byteLength(html) > MAX_CONTENT_BODY_BYTES) {
    throw new HttpError(413, `the Word document is longer than ${MAX_CONTENT_BODY_BYTES} bytes of HTML`)
  }
  const model = await loadDocumentModel()
  return toNode(model, () => model.htmlToJSON(html))
}

/** Parsed input as a document node; what the schema refuses is a 400 saying why. */
function toNode(model: DocumentModel, parse: () => unknown): Node {
  try {
    return model.contentFromJSON(parse())
  } catch (err) {
    if (err instanceof model.InvalidContentError) throw new HttpError(400, err.message, 'InvalidContent')
    // A parser that overflows its stack on absurd nesting (JSON.parse, the Markdown lexer).
    if (err instanceof RangeError) throw new HttpError(400, 'content nested too deeply', 'InvalidContent')
    throw err
  }
}
