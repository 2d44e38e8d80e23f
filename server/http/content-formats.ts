import type { ServerResponse } from 'node:http'
import * as Y from 'yjs'
import { docToJSON, toHTML, toMarkdown, toText } from '../../lib/document'
import { sendBytes, sendJson, sendText } from './respond'

/** The formats a document's content is served in (`/content`, a version's preview). */
export const CONTENT_FORMATS = ['json', 'html', 'markdown', 'text', 'yjs'] as const
export type ContentFormat = (typeof CONTENT_FORMATS)[number]

export function isContentFormat(format: string): format is ContentFormat {
  return (CONTENT_FORMATS as readonly string[]).includes(format)
}

/** How each content format is read off the document, and its media type. */
export const CONTENT_RENDERERS: Record<ContentFormat, { render: (doc: Y.Doc) => unknown; type: string }> = {
  json: { render: docToJSON, type: 'application/json' },
  html: { render: toHTML, type: 'text/html' },
  markdown: { render: toMarkdown, type: 'text/markdown' },
  text: { render: toText, type: 'text/plain' },
  yjs: { render: (doc) => Y.encodeStateAsUpdate(doc), type: 'application/octet-stream' },
}

/** Answers 200 with what CONTENT_RENDERERS[format] read. */
export function sendContent(res: ServerResponse, format: ContentFormat, body: unknown): void {
  const { type } = CONTENT_RENDERERS[format]
  if (typeof body === 'string') sendText(res, 200, type, body)
  else if (body instanceof Uint8Array) sendBytes(res, 200, type, body)
  else sendJson(res, 200, body)
}
