import type { IncomingMessage } from 'node:http'
import type { Node } from '@tiptap/pm/model'
import { contentFromJSON, htmlToJSON, InvalidContentError, markdownToJSON } from '../../lib/document'
import { HttpError, readBody } from './respond'

/** The largest content body accepted (413 beyond): a book's worth of Markdown, with room to spare. */
export const MAX_CONTENT_BODY_BYTES = 2 * 1024 * 1024

/** How each accepted media type becomes ProseMirror JSON. */
const PARSERS: Record<string, (text: string) => unknown> = {
  'text/markdown': markdownToJSON,
  'text/html': htmlToJSON,
  'application/json': (text) => {
    try {
      return JSON.parse(text)
    } catch {
      throw new InvalidContentError('request body is not valid JSON')
    }
  },
}

export const CONTENT_BODY_TYPES = Object.keys(PARSERS)

/**
 * A content body (PUT/POST /api/docs/<id>/content) as a document node, read by its
 * `Content-Type`: Markdown, HTML or ProseMirror JSON, UTF-8. A type not listed is a 415; bytes
 * that are not UTF-8 and content the schema refuses are a 400 saying why. Everything is read
 * and checked before anything is written, so a refused body changes nothing.
 */
export async function readContentBody(req: IncomingMessage): Promise<Node> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
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
  try {
    return contentFromJSON(parse(text))
  } catch (err) {
    if (err instanceof InvalidContentError) throw new HttpError(400, err.message, 'InvalidContent')
    // A parser that overflows its stack on absurd nesting (JSON.parse, the Markdown lexer).
    if (err instanceof RangeError) throw new HttpError(400, 'content nested too deeply', 'InvalidContent')
    throw err
  }
}
