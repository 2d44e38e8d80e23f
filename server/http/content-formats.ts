import type { ServerResponse } from 'node:http'
import * as Y from 'yjs'
import { type DocumentModel, loadDocumentModel } from '../documents/document-model'
import { sendBytes, sendJson, sendText } from './respond'

/** The formats a document's content is served in (`/content`, a version's preview). */
export const CONTENT_FORMATS = ['json', 'html', 'markdown', 'text', 'yjs'] as const
export type ContentFormat = (typeof CONTENT_FORMATS)[number]

export function isContentFormat(format: string): format is ContentFormat {
  return (CONTENT_FORMATS as readonly string[]).includes(format)
}

/** How each content format is read off the document (lib/document's readers), and its media type. */
const CONTENT_RENDERERS: Record<ContentFormat, { render: (model: DocumentModel, doc: Y.Doc) => unknown; type: string }> = {
  json: { render: (model, doc) => model.docToJSON(doc), type: 'application/json' },
  html: { render: (model, doc) => model.toHTML(doc), type: 'text/html' },
  markdown: { render: (model, doc) => model.toMarkdown(doc), type: 'text/markdown' },
  text: { render: (model, doc) => model.toText(doc), type: 'text/plain' },
  yjs: { render: (_model, doc) => Y.encodeStateAsUpdate(doc), type: 'application/octet-stream' },
}

/** The reader of `format`, once lib/document is loaded (see document-model.ts). */
export async function contentRenderer(format: ContentFormat): Promise<(doc: Y.Doc) => unknown> {
  const model = await loadDocumentModel()
  const { render } = CONTENT_RENDERERS[format]
  return (doc) => render(model, doc)
}

/** Answers 200 with what contentRenderer(format) read. */
export function sendContent(res: ServerResponse, format: ContentFormat, body: unknown): void {
  const { type } = CONTENT_RENDERERS[format]
  if (typeof body === 'string') sendText(res, 200, type, body)
  else if (body instanceof Uint8Array) sendBytes(res, 200, type, body)
  else sendJson(res, 200, body)
}
