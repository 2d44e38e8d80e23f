import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { toText } from '../../lib/document'
import { MAX_DOCX_BODY_BYTES } from '../../server/http/content-body'
import { connectSynced, type TestClient } from '../helpers/clients'
import { makeDocx, zipDeflated } from '../helpers/docx'
import { type RunningServer, startServer } from '../helpers/server'
import { removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/** Word .docx bodies on PUT/POST /api/docs/<id>/content (SPEC H9), on a real server. */

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

const clients: TestClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})

describe('Word .docx content bodies', () => {
  let running: RunningServer
  beforeAll(async () => {
    running = await startServer()
  })
  afterAll(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })

  async function send(method: string, id: string, body: Uint8Array | string, type = DOCX) {
    const res = await fetch(`${running.httpUrl}/api/docs/${id}/content`, {
      method,
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : new Blob([Uint8Array.from(body)]),
    })
    const text = await res.text()
    return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : null }
  }
  const read = async (id: string, format: string) => {
    const res = await fetch(`${running.httpUrl}/api/docs/${id}/content?format=${format}`)
    return { status: res.status, text: await res.text() }
  }

  const notes = makeDocx([
    { heading: 1, runs: [{ text: 'Quarterly notes' }] },
    { runs: [{ text: 'Plain and ' }, { text: 'bold', bold: true }] },
    { bullet: true, runs: [{ text: 'one' }] },
    { bullet: true, runs: [{ text: 'two' }] },
  ])

  it('[H9][H6] PUT replaces and POST appends, converted like HTML, live to a connected editor', async () => {
    expect((await send('PUT', 'word-doc', '# Old', 'text/markdown')).status).toBe(201)
    const editor = await connectSynced(running.wsUrl, 'word-doc')
    clients.push(editor)
    const put = await send('PUT', 'word-doc', notes)
    expect(put.status).toBe(200)
    expect(put.json).toMatchObject({ id: 'word-doc' })
    expect((await read('word-doc', 'markdown')).text).toBe('# Quarterly notes\n\nPlain and **bold**\n\n- one\n- two')
    await waitFor(() => toText(editor.doc) === 'Quarterly notes\nPlain and bold\none\ntwo', 'the editor to see the .docx')

    // The same HTML, sent as HTML, gives the same document: one converter after mammoth.
    const viaHtml = '<h1>Quarterly notes</h1><p>Plain and <strong>bold</strong></p><ul><li>one</li><li>two</li></ul>'
    expect((await send('PUT', 'html-twin', viaHtml, 'text/html')).status).toBe(201)
    expect((await read('html-twin', 'json')).text).toBe((await read('word-doc', 'json')).text)

    const appended = makeDocx([{ heading: 2, runs: [{ text: 'Later' }] }])
    expect((await send('POST', 'word-doc', appended)).status).toBe(200)
    expect((await read('word-doc', 'markdown')).text).toBe('# Quarterly notes\n\nPlain and **bold**\n\n- one\n- two\n\n## Later')
    await waitFor(() => toText(editor.doc).endsWith('two\nLater'), 'the editor to see the appended .docx')
  })

  it('[H9] PUT to a new id creates the document from the .docx', async () => {
    const created = await send('PUT', 'word-new', notes)
    expect(created.status).toBe(201)
    expect((await read('word-new', 'text')).text).toBe('Quarterly notes\nPlain and bold\none\ntwo')
  })

  it('[H9] what is not a .docx is a 400 with the reason; nothing changes and nothing is created', async () => {
    expect((await send('PUT', 'word-keep', 'keep me', 'text/markdown')).status).toBe(201)
    const before = (await read('word-keep', 'json')).text
    const refusals: Array<[Uint8Array | string, RegExp]> = [
      ['# this is Markdown', /not a Word \.docx file \(not a zip archive\)/],
      [zipDeflated({ 'notes.txt': Buffer.from('hi') }), /no word\/document\.xml/],
      [notes.subarray(0, notes.length - 40), /not a Word \.docx file/],
      [zipDeflated({ 'word/document.xml': Buffer.from('<w:document><w:body><w:p>') }), /could not be read/],
      // A zip bomb: ~8 KB that would unpack to over 8 MiB.
      [zipDeflated({ 'word/document.xml': Buffer.alloc(9 * 1024 * 1024) }), /unpacks to more than/],
    ]
    for (const [body, reason] of refusals) {
      for (const method of ['PUT', 'POST']) {
        const refused = await send(method, 'word-keep', body)
        expect(refused.status, `${method} ${reason}`).toBe(400)
        expect(refused.json?.error).toMatch(reason)
        expect(refused.json?.reason).toBe('InvalidContent')
      }
      expect((await send('PUT', 'word-never', body)).status).toBe(400)
    }
    expect((await read('word-keep', 'json')).text).toBe(before)
    expect((await read('word-never', 'json')).status).toBe(404)
  })

  it('[H9] a .docx over the upload limit is a 413; the server goes on serving', async () => {
    const tooBig = Buffer.alloc(MAX_DOCX_BODY_BYTES + 1)
    const refused = await send('PUT', 'word-big', tooBig)
    expect(refused.status).toBe(413)
    expect((await read('word-big', 'json')).status).toBe(404)
    expect((await send('PUT', 'word-big', notes)).status).toBe(201)
  })
})
