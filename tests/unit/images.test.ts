import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createFilesClient, FileUploadError, httpBaseOf } from '../../lib/client/files-client'
import { contentFromJSON, replaceContent, toHTML, toMarkdown } from '../../lib/document'
import { sniffImageType } from '../../server/files/sniff'
import { safeFileName } from '../../server/http/files-api'
import { type RunningServer, removeDir, startServer } from '../helpers/server'
import { editorToken, TEST_SECRET } from '../helpers/tokens'

/** The pieces of images that need no browser: sniffing, names, the files client, the exports. */

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/images/${name}`, import.meta.url)))
const ascii = (text: string) => new TextEncoder().encode(text)

describe('sniffing image bytes', () => {
  it('[F2] knows PNG, JPEG, GIF, WebP and AVIF by their first bytes', () => {
    expect(sniffImageType(fixture('sample.png'))).toBe('image/png')
    expect(sniffImageType(fixture('sample.jpg'))).toBe('image/jpeg')
    expect(sniffImageType(fixture('sample.gif'))).toBe('image/gif')
    expect(sniffImageType(fixture('sample.webp'))).toBe('image/webp')
    // An ISO BMFF box: size, "ftyp", major brand.
    expect(sniffImageType(new Uint8Array([0, 0, 0, 28, ...ascii('ftypavif'), 0, 0, 0, 0, ...ascii('avifmif1miaf')]))).toBe('image/avif')
  })

  it('[F2] refuses SVG, HTML, PDF, truncated signatures and other ISO BMFF files (MP4)', () => {
    expect(sniffImageType(ascii('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toBeNull()
    expect(sniffImageType(ascii('<?xml version="1.0"?><svg/>'))).toBeNull()
    expect(sniffImageType(ascii('<!doctype html><p>hi'))).toBeNull()
    expect(sniffImageType(ascii('%PDF-1.7'))).toBeNull()
    expect(sniffImageType(fixture('sample.png').subarray(0, 8))).toBeNull()
    expect(sniffImageType(ascii('RIFF\0\0\0\0WAVEfmt '))).toBeNull()
    expect(sniffImageType(new Uint8Array([0, 0, 0, 24, ...ascii('ftypisom')]))).toBeNull()
    expect(sniffImageType(new Uint8Array(0))).toBeNull()
  })
})

describe('served file names', () => {
  it('[F3] keep letters, digits and ._- only, and end in the extension of what the bytes are', () => {
    expect(safeFileName('holiday photo.png', 'image/png')).toBe('holiday_photo.png')
    expect(safeFileName('../../etc/passwd', 'image/gif')).toBe('passwd.gif')
    expect(safeFileName('page.html', 'image/jpeg')).toBe('page.jpg')
    expect(safeFileName('"; filename=evil.html', 'image/webp')).toBe('filename_evil.webp')
    expect(safeFileName('Ünïcödé.png', 'image/png')).toBe('n_c_d_.png')
    expect(safeFileName(null, 'image/avif')).toBe('image.avif')
    expect(safeFileName('...', 'image/png')).toBe('image.png')
  })
})

describe('the files client against a real server (auth on)', () => {
  let running: RunningServer
  let token: string | null
  beforeAll(async () => {
    running = await startServer({ authSecret: TEST_SECRET, maxUploadBytes: '20000' })
    token = await editorToken('client-user', ['*'])
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })

  const client = () => createFilesClient({ docId: 'client-doc', baseUrl: running.httpUrl, token: () => token })

  it('[F1] uploads an image and shows it with the current token; the stored address carries none', async () => {
    const uploaded = await client().upload(new File([fixture('sample.jpg')], 'photo.jpg', { type: 'image/jpeg' }))
    expect(uploaded.url).toMatch(/^\/api\/docs\/client-doc\/files\/[A-Za-z0-9_-]{32}$/)
    const shown = client().displayUrl(uploaded.url)
    expect(shown).toBe(`${running.httpUrl}${uploaded.url}?token=${token}`)
    const res = await fetch(shown)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(fixture('sample.jpg'))
    expect(client().isOwnFile(uploaded.url)).toBe(true)
    expect(client().isOwnFile(`${running.httpUrl}${uploaded.url}`)).toBe(true)
    expect(client().isOwnFile(uploaded.url.replace('client-doc', 'other-doc'))).toBe(false)
    expect(client().isOwnFile('https://elsewhere.example/cat.png')).toBe(false)
    expect(client().displayUrl('https://elsewhere.example/cat.png')).toBe('https://elsewhere.example/cat.png')
  })

  it('[F2] says in words why an upload was refused', async () => {
    const refused = client().upload(new File(['<html></html>'], 'page.png', { type: 'image/png' }))
    await expect(refused).rejects.toThrow("Couldn't add “page.png”: only PNG, JPEG, GIF, WebP and AVIF images can be added.")
    const tooBig = client().upload(new File([fixture('sample.png')], 'big.png', { type: 'image/png' }))
    await expect(tooBig).rejects.toThrow("Couldn't add “big.png”: it is larger than the server accepts.")
    const error = await tooBig.catch((err: unknown) => err)
    expect(error).toBeInstanceOf(FileUploadError)
    expect((error as FileUploadError).status).toBe(413)
    token = null
    await expect(client().upload(new File([fixture('sample.gif')], 'dot.gif', { type: 'image/gif' }))).rejects.toThrow(
      "you can't edit this document",
    )
  })

  it('finds the HTTP side of a sync URL, keeping a path prefix', () => {
    expect(httpBaseOf('wss://tandem.example/collab')).toBe('https://tandem.example')
    expect(httpBaseOf('ws://127.0.0.1:3000/tools/collab')).toBe('http://127.0.0.1:3000/tools')
    expect(httpBaseOf('not a url')).toBe('')
  })
})

describe('exports of images', () => {
  it('[F8] Markdown and HTML keep the address and the alt text', () => {
    const doc = new Y.Doc()
    replaceContent(
      doc,
      contentFromJSON({
        type: 'doc',
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Before' }] },
          { type: 'image', attrs: { src: '/api/docs/d/files/abc', alt: 'A blue gradient', title: null } },
          { type: 'image', attrs: { src: '/api/docs/d/files/def', alt: null, title: null } },
        ],
      }),
    )
    const markdown = toMarkdown(doc)
    expect(markdown).toContain('![A blue gradient](/api/docs/d/files/abc)')
    expect(markdown).toContain('![](/api/docs/d/files/def)')
    const html = toHTML(doc)
    expect(html).toContain('<img src="/api/docs/d/files/abc" alt="A blue gradient"/>')
  })
})
