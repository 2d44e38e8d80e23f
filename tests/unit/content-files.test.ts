import { describe, expect, it } from 'vitest'
import {
  checkImportFile,
  downloadFileName,
  downloadFileText,
  explainContentError,
  htmlDocument,
  IMPORT_CONTENT_TYPES,
  importKindOf,
  MAX_IMPORT_BYTES,
  titleFromFileName,
} from '../../lib/client/content-files'
import { DocsApiError } from '../../lib/client/docs-client'
import { DOCX_MEDIA_TYPE } from '../../server/documents/docx'
import { CONTENT_BODY_TYPES, MAX_CONTENT_BODY_BYTES, MAX_DOCX_BODY_BYTES } from '../../server/http/content-body'

describe('download file names', () => {
  it('keep the title and drop what file systems refuse', () => {
    expect(downloadFileName('Launch plan', '.md')).toBe('Launch plan.md')
    expect(downloadFileName('Q3: plan / draft? <v2>', '.html')).toBe('Q3 plan draft v2.html')
    expect(downloadFileName('a\u0000b\nc\td', '.json')).toBe('a b c d.json')
    expect(downloadFileName('  ..hidden.  ', '.md')).toBe('hidden.md')
    expect(downloadFileName('Résumé — 日本語', '.md')).toBe('Résumé — 日本語.md')
  })

  it('fall back to "Untitled" when nothing is left', () => {
    expect(downloadFileName('', '.md')).toBe('Untitled.md')
    expect(downloadFileName('   ', '.html')).toBe('Untitled.html')
    expect(downloadFileName('///???', '.json')).toBe('Untitled.json')
    expect(downloadFileName('...', '.md')).toBe('Untitled.md')
  })

  it('cut long titles to 100 characters, never inside a character', () => {
    expect(downloadFileName('x'.repeat(300), '.md')).toBe(`${'x'.repeat(100)}.md`)
    const emoji = downloadFileName('😀'.repeat(150), '.md')
    expect(Array.from(emoji.slice(0, -3))).toHaveLength(100)
    expect(emoji.endsWith('😀.md')).toBe(true)
  })
})

describe('download file contents', () => {
  it('wraps HTML as a complete page with charset and an escaped title', () => {
    const page = htmlDocument('Tom & <Jerry>', '<p>Hi</p>')
    expect(page.startsWith('<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">')).toBe(true)
    expect(page).toContain('<title>Tom &amp; &lt;Jerry&gt;</title>')
    expect(page).toContain('<body>\n<p>Hi</p>\n</body>\n</html>\n')
    expect(htmlDocument('  ', '')).toContain('<title>Untitled</title>')
  })

  it('indents JSON and ends Markdown with a newline', () => {
    expect(downloadFileText('json', 't', '{"type":"doc","content":[]}')).toBe('{\n  "type": "doc",\n  "content": []\n}\n')
    expect(downloadFileText('markdown', 't', '# Hi')).toBe('# Hi\n')
    expect(downloadFileText('markdown', 't', '# Hi\n')).toBe('# Hi\n')
    expect(downloadFileText('markdown', 't', '# Hi\n\n\n')).toBe('# Hi\n')
    expect(downloadFileText('markdown', 't', '')).toBe('')
    expect(downloadFileText('markdown', 't', '\n\n')).toBe('')
  })
})

describe('import files', () => {
  it('are recognised by extension, in any case', () => {
    expect(importKindOf('notes.md')).toBe('markdown')
    expect(importKindOf('NOTES.MARKDOWN')).toBe('markdown')
    expect(importKindOf('page.htm')).toBe('html')
    expect(importKindOf('page.html')).toBe('html')
    expect(importKindOf('Report.DOCX')).toBe('docx')
    expect(importKindOf('report.doc')).toBeNull()
    expect(importKindOf('md')).toBeNull()
    expect(importKindOf('.md')).toBeNull()
  })

  it('are checked for kind, emptiness and size, with the reason in words', () => {
    expect(checkImportFile({ name: 'a.md', size: 10 })).toEqual({ ok: true, kind: 'markdown' })
    expect(checkImportFile({ name: 'a.pdf', size: 10 })).toEqual({
      ok: false,
      message: '“a.pdf” is not a Markdown, HTML or Word (.docx) file.',
    })
    expect(checkImportFile({ name: 'a.md', size: 0 })).toEqual({ ok: false, message: '“a.md” is empty.' })
    expect(checkImportFile({ name: 'a.docx', size: MAX_IMPORT_BYTES.docx })).toEqual({ ok: true, kind: 'docx' })
    expect(checkImportFile({ name: 'big.docx', size: 12 * 1024 * 1024 })).toEqual({
      ok: false,
      message: '“big.docx” is 12 MB; Word files up to 10 MB can be imported.',
    })
    expect(checkImportFile({ name: 'a.md', size: MAX_IMPORT_BYTES.markdown })).toEqual({ ok: true, kind: 'markdown' })
    expect(checkImportFile({ name: 'long.md', size: MAX_IMPORT_BYTES.markdown + 1 })).toEqual({
      ok: false,
      message: '“long.md” is 2 MB; Markdown files up to 2 MB can be imported.',
    })
    expect(checkImportFile({ name: 'p.htm', size: 3 * 1024 * 1024 }).ok).toBe(false)
  })

  it('are refused before the upload exactly where the server would refuse them', () => {
    expect(MAX_IMPORT_BYTES.markdown).toBe(MAX_CONTENT_BODY_BYTES)
    expect(MAX_IMPORT_BYTES.html).toBe(MAX_CONTENT_BODY_BYTES)
    expect(MAX_IMPORT_BYTES.docx).toBe(MAX_DOCX_BODY_BYTES)
    expect(IMPORT_CONTENT_TYPES.docx).toBe(DOCX_MEDIA_TYPE)
    for (const type of Object.values(IMPORT_CONTENT_TYPES)) expect(CONTENT_BODY_TYPES).toContain(type)
  })

  it('name a new document after the file', () => {
    expect(titleFromFileName('Meeting_notes.md')).toBe('Meeting notes')
    expect(titleFromFileName('C:\\Users\\a\\Plan 2026.docx')).toBe('Plan 2026')
    expect(titleFromFileName('.md')).toBe('.md')
    expect(titleFromFileName('__.html')).toBe('Untitled')
  })

  it('explain server refusals in plain words', () => {
    expect(explainContentError(new DocsApiError(400, 'not a Word .docx file (not a zip archive)'), 'x.docx')).toBe(
      '“x.docx” could not be read: Not a Word .docx file (not a zip archive).',
    )
    expect(explainContentError(new DocsApiError(413, 'request body larger than 5242880 bytes'), 'x.md')).toBe(
      '“x.md” is too large to import.',
    )
    expect(explainContentError(new DocsApiError(403, 'forbidden'))).toMatch(/no longer have access/)
    expect(explainContentError(new DocsApiError(503, 'down'))).toMatch(/server had a problem/)
    expect(explainContentError(new TypeError('Failed to fetch'))).toMatch(/Can’t reach the server/)
  })
})
