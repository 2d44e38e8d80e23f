import { DocsApiError } from './docs-client'

/**
 * Files in and out of a document: which formats a download offers and how its file is named
 * and wrapped, and which files an import accepts and how each is sent to
 * `PUT|POST /api/docs/<id>/content`. The server does every conversion (the same converters
 * as its REST API); nothing here parses a document.
 */

export type DownloadFormat = 'markdown' | 'html' | 'json'

export interface DownloadFormatInfo {
  /** The `?format=` of `GET /api/docs/<id>/content`. */
  format: DownloadFormat
  label: string
  extension: string
  mimeType: string
}

export const DOWNLOAD_FORMATS: readonly DownloadFormatInfo[] = [
  { format: 'markdown', label: 'Markdown', extension: '.md', mimeType: 'text/markdown' },
  { format: 'html', label: 'HTML', extension: '.html', mimeType: 'text/html' },
  { format: 'json', label: 'JSON', extension: '.json', mimeType: 'application/json' },
]

export const UNTITLED = 'Untitled'

/** Longest file name stem kept from a title (most file systems allow 255 bytes in all). */
const MAX_STEM_LENGTH = 100

/**
 * A file name for a download: the title without characters that file systems or browsers
 * refuse or treat specially (`/ \ : * ? " < > |`, control characters, leading dots), spaces
 * collapsed, cut to a sane length; "Untitled" when nothing is left.
 */
export function downloadFileName(title: string, extension: string): string {
  const stem = title
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+|[.\s]+$/g, '')
  const cut = Array.from(stem).slice(0, MAX_STEM_LENGTH).join('').trim()
  return `${cut || UNTITLED}${extension}`
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** The server's HTML (a fragment) as a complete page that opens as-is in any browser. */
export function htmlDocument(title: string, bodyHtml: string): string {
  const name = escapeHtml(title.trim() || UNTITLED)
  return [
    '<!doctype html>',
    '<html>',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${name}</title>`,
    '</head>',
    '<body>',
    bodyHtml,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}

/** The downloaded file's text: HTML as a page, JSON indented for reading, Markdown as stored. */
export function downloadFileText(format: DownloadFormat, title: string, body: string): string {
  if (format === 'html') return htmlDocument(title, body)
  if (format === 'json') return `${JSON.stringify(JSON.parse(body), null, 2)}\n`
  // One final newline, as text files end (an empty last paragraph renders as blank lines).
  const text = body.replace(/\n+$/, '')
  return text === '' ? '' : `${text}\n`
}

export type ImportKind = 'markdown' | 'html' | 'docx'

export const DOCX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

/** The body type each kind is sent as; the server picks its parser by it. */
export const IMPORT_CONTENT_TYPES: Record<ImportKind, string> = {
  markdown: 'text/markdown',
  html: 'text/html',
  docx: DOCX_CONTENT_TYPE,
}

const EXTENSION_KINDS: Record<string, ImportKind> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.docx': 'docx',
}

/** For `<input type="file" accept>`. */
export const IMPORT_ACCEPT = [...Object.keys(EXTENSION_KINDS), DOCX_CONTENT_TYPE, 'text/markdown', 'text/html'].join(',')

/**
 * The largest file of each kind an import sends, in bytes: the server's own limits for the
 * body (`MAX_CONTENT_BODY_BYTES`, `MAX_DOCX_BODY_BYTES`), so a refusal comes before the upload.
 */
export const MAX_IMPORT_BYTES: Record<ImportKind, number> = {
  markdown: 2 * 1024 * 1024,
  html: 2 * 1024 * 1024,
  docx: 10 * 1024 * 1024,
}

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.')
  return dot <= 0 ? '' : fileName.slice(dot).toLowerCase()
}

/** What a file is, by its name (browsers report no type for `.md` on many systems). */
export function importKindOf(fileName: string): ImportKind | null {
  return EXTENSION_KINDS[extensionOf(fileName)] ?? null
}

/** A new document's title from the imported file's name: its extension off, spaces tidied. */
export function titleFromFileName(fileName: string): string {
  const base = fileName.split(/[/\\]/).pop() ?? ''
  const stem = importKindOf(base) ? base.slice(0, base.length - extensionOf(base).length) : base
  return stem.replace(/[_\s]+/g, ' ').trim() || UNTITLED
}

export type ImportCheck = { ok: true; kind: ImportKind } | { ok: false; message: string }

function readableSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB` : `${Math.ceil(bytes / 1024)} KB`
}

/** Whether a chosen file can be imported, and if not, why (in words for the person). */
export function checkImportFile(file: { name: string; size: number }): ImportCheck {
  const kind = importKindOf(file.name)
  if (!kind) return { ok: false, message: `“${file.name}” is not a Markdown, HTML or Word (.docx) file.` }
  if (file.size === 0) return { ok: false, message: `“${file.name}” is empty.` }
  const limit = MAX_IMPORT_BYTES[kind]
  if (file.size > limit) {
    const what = kind === 'docx' ? 'Word files' : `${kind === 'html' ? 'HTML' : 'Markdown'} files`
    return { ok: false, message: `“${file.name}” is ${readableSize(file.size)}; ${what} up to ${readableSize(limit)} can be imported.` }
  }
  return { ok: true, kind }
}

/**
 * What went wrong with a download or an import, in words for the person: the server's own
 * explanation for content it refused, plain words for everything else.
 */
export function explainContentError(error: unknown, fileName?: string): string {
  if (!(error instanceof DocsApiError)) return 'Can’t reach the server. Check the connection and try again.'
  const file = fileName ? `“${fileName}”` : 'The file'
  switch (error.status) {
    case 400:
      return `${file} could not be read: ${sentence(error.message)}`
    case 401:
    case 403:
      return 'You no longer have access to change this document. Reload the page to sign in again.'
    case 404:
      return 'This document no longer exists.'
    case 410:
      return 'This document was deleted.'
    case 413:
      return `${file} is too large to import.`
    case 415:
      return `${file} is not a Markdown, HTML or Word (.docx) file.`
    default:
      return error.status >= 500 ? 'The server had a problem. Try again in a moment.' : sentence(error.message)
  }
}

function sentence(text: string): string {
  const trimmed = text.trim()
  if (!trimmed) return 'no reason given.'
  return trimmed[0]?.toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.')
}
