import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode } from '../../lib/protocol'
import { connectSynced } from '../helpers/clients'
import { openRaw } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

let running: RunningServer
beforeAll(async () => {
  running = await startServer()
})
afterAll(async () => {
  await running.stop()
  removeDir(running.dataDir)
})

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${running.httpUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  const type = res.headers.get('content-type') ?? ''
  return { status: res.status, type, text, json: type.includes('json') && text ? JSON.parse(text) : null }
}

describe('health', () => {
  it('[H1] /healthz answers ok', async () => {
    const res = await api('GET', '/healthz')
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'ok' })
  })

  it('[H2] /readyz answers ready while storage answers', async () => {
    const res = await api('GET', '/readyz')
    expect(res.status).toBe(200)
    expect(res.json.storage).toBe('ok')
  })
})

describe('documents API', () => {
  it('[H3] create with a title, read it, list it', async () => {
    const created = await api('POST', '/api/docs', { title: 'Meeting notes' })
    expect(created.status).toBe(201)
    expect(created.json.id).toMatch(/^[A-Za-z0-9_-]{12}$/)
    expect(created.json.title).toBe('Meeting notes')
    expect(Date.parse(created.json.createdAt)).not.toBeNaN()
    const read = await api('GET', `/api/docs/${created.json.id}`)
    expect(read.json).toEqual(created.json)
    const list = await api('GET', '/api/docs')
    expect(list.json.documents.map((d: { id: string }) => d.id)).toContain(created.json.id)
  })

  it('[H3] POST with an existing id is 409; PUT creates once and is idempotent', async () => {
    expect((await api('PUT', '/api/docs/put-me', {})).status).toBe(201)
    expect((await api('PUT', '/api/docs/put-me', {})).status).toBe(200)
    expect((await api('POST', '/api/docs', { id: 'put-me' })).status).toBe(409)
    const withTitle = await api('PUT', '/api/docs/put-me', { title: 'Named later' })
    expect(withTitle.json.title).toBe('Named later')
  })

  it('[H3][H4] rename reaches open editors live, and a title typed in an editor shows in the list', async () => {
    const { json: doc } = await api('POST', '/api/docs', { title: 'Before' })
    const editor = await connectSynced(running.wsUrl, doc.id)
    expect(editor.doc.getText('title').toString()).toBe('Before')
    const renamed = await api('PATCH', `/api/docs/${doc.id}`, { title: 'After' })
    expect(renamed.status).toBe(200)
    expect(renamed.json.title).toBe('After')
    await waitFor(() => editor.doc.getText('title').toString() === 'After', 'live rename')
    const title = editor.doc.getText('title')
    title.delete(0, title.length)
    title.insert(0, 'Typed in editor')
    await waitFor(async () => (await api('GET', `/api/docs/${doc.id}`)).json.title === 'Typed in editor', 'list title')
    editor.destroy()
  })

  it('[H3] content can be read as text, Markdown and HTML', async () => {
    const { json: doc } = await api('POST', '/api/docs', { title: 'Export' })
    const editor = await connectSynced(running.wsUrl, doc.id)
    const { XmlElement, XmlText } = await import('yjs')
    const fragment = editor.doc.getXmlFragment('content')
    const heading = new XmlElement('heading')
    heading.setAttribute('level', 2 as unknown as string)
    heading.insert(0, [new XmlText('Plan')])
    const paragraph = new XmlElement('paragraph')
    const text = new XmlText()
    text.insert(0, 'Ship ')
    text.insert(5, 'it', { bold: true })
    text.insert(7, ' <now>', {})
    paragraph.insert(0, [text])
    fragment.insert(0, [heading, paragraph])
    await waitFor(async () => (await api('GET', `/api/docs/${doc.id}?format=text`)).text.includes('Ship it'), 'stored')
    expect((await api('GET', `/api/docs/${doc.id}?format=text`)).text).toBe('Plan\nShip it <now>')
    expect((await api('GET', `/api/docs/${doc.id}?format=markdown`)).text).toBe('## Plan\n\nShip **it** &lt;now&gt;')
    const html = await api('GET', `/api/docs/${doc.id}`, undefined, { accept: 'text/html' })
    expect(html.type).toContain('text/html')
    expect(html.text).toBe('<h2>Plan</h2><p>Ship <strong>it</strong> &lt;now&gt;</p>')
    editor.destroy()
  })

  it('[H5] /content serves ProseMirror JSON (default), HTML, Markdown, text and the Yjs state; a stock client loads the state', async () => {
    const { json: doc } = await api('POST', '/api/docs', { title: 'Content' })
    const editor = await connectSynced(running.wsUrl, doc.id)
    const { XmlElement, XmlText, Doc, applyUpdate } = await import('yjs')
    const paragraph = new XmlElement('paragraph')
    const text = new XmlText()
    text.insert(0, 'Hello ')
    text.insert(6, 'world', { italic: true })
    paragraph.insert(0, [text])
    editor.doc.getXmlFragment('content').insert(0, [paragraph])
    const path = `/api/docs/${doc.id}/content`
    await waitFor(async () => (await api('GET', `${path}?format=text`)).text === 'Hello world', 'stored')
    const json = await api('GET', path)
    expect(json.type).toContain('application/json')
    expect(json.json).toEqual({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Hello ' },
            { type: 'text', text: 'world', marks: [{ type: 'italic' }] },
          ],
        },
      ],
    })
    expect((await api('GET', `${path}?format=html`)).text).toBe('<p>Hello <em>world</em></p>')
    expect((await api('GET', `${path}?format=markdown`)).text).toBe('Hello *world*')
    const state = await fetch(`${running.httpUrl}${path}?format=yjs`)
    expect(state.headers.get('content-type')).toBe('application/octet-stream')
    const copy = new Doc()
    applyUpdate(copy, new Uint8Array(await state.arrayBuffer()))
    expect(copy.getXmlFragment('content').toString()).toBe(editor.doc.getXmlFragment('content').toString())
    expect(copy.getText('title').toString()).toBe('Content')
    expect((await api('GET', `${path}?format=pdf`)).status).toBe(400)
    expect((await api('PATCH', path, {})).status).toBe(405)
    expect((await api('GET', '/api/docs/never-made/content')).status).toBe(404)
    editor.destroy()
  })

  it('[H3] Markdown keeps text that looks like Markdown as text; HTML keeps a code block language', async () => {
    const { json: doc } = await api('POST', '/api/docs', { title: 'Escaping' })
    const editor = await connectSynced(running.wsUrl, doc.id)
    const { XmlElement, XmlText } = await import('yjs')
    const paragraph = new XmlElement('paragraph')
    paragraph.insert(0, [new XmlText('# not a heading, *not italic* <script>alert(1)</script>')])
    const code = new XmlElement('codeBlock')
    code.setAttribute('language', 'ts')
    code.insert(0, [new XmlText('if (a < b) run()')])
    editor.doc.getXmlFragment('content').insert(0, [paragraph, code])
    await waitFor(async () => (await api('GET', `/api/docs/${doc.id}?format=text`)).text.includes('run()'), 'stored')
    const markdown = await api('GET', `/api/docs/${doc.id}?format=markdown`)
    expect(markdown.type).toContain('text/markdown')
    expect(markdown.text).toBe('\\# not a heading, \\*not italic\\* &lt;script&gt;alert(1)&lt;/script&gt;\n\n```ts\nif (a < b) run()\n```')
    const html = await api('GET', `/api/docs/${doc.id}?format=html`)
    expect(html.text).toBe(
      '<p># not a heading, *not italic* &lt;script&gt;alert(1)&lt;/script&gt;</p><pre><code class="language-ts">if (a &lt; b) run()</code></pre>',
    )
    editor.destroy()
  })

  it('[H3][L5] delete removes the document and closes its open connections with 4404', async () => {
    const { json: doc } = await api('POST', '/api/docs', { title: 'Doomed' })
    const raw = await openRaw(`${running.wsUrl}/collab/${doc.id}`)
    await waitFor(() => raw.received.length > 0, 'joined')
    expect((await api('DELETE', `/api/docs/${doc.id}`)).status).toBe(204)
    expect((await raw.closed).code).toBe(CloseCode.DocumentDeleted.code)
    expect((await api('GET', `/api/docs/${doc.id}`)).status).toBe(404)
    expect((await api('DELETE', `/api/docs/${doc.id}`)).status).toBe(404)
    const list = await api('GET', '/api/docs')
    expect(list.json.documents.map((d: { id: string }) => d.id)).not.toContain(doc.id)
  })

  it('[H3] errors are JSON with the right status', async () => {
    expect((await api('GET', '/api/docs/nope')).status).toBe(404)
    expect((await api('PATCH', '/api/docs/nope', { title: 'x' })).status).toBe(404)
    expect((await api('GET', '/api/docs/a%20b')).status).toBe(400)
    const badJson = await api('POST', '/api/docs', '{not json')
    expect(badJson.status).toBe(400)
    expect(badJson.json.error).toMatch(/JSON/)
    expect((await api('POST', '/api/docs', { title: 'x'.repeat(201) })).status).toBe(400)
    expect((await api('POST', '/api/docs', { unknown: 1 })).status).toBe(400)
    expect((await api('PATCH', '/api/docs/put-me', {})).status).toBe(400)
    expect((await api('PUT', '/api/docs', {})).status).toBe(405)
    expect((await api('GET', '/api/docs/put-me?format=pdf')).status).toBe(400)
    expect((await api('POST', '/api/docs', 'x'.repeat(70_000))).status).toBe(413)
  })

  it('[H3] the list is ordered by last edit', async () => {
    const older = (await api('POST', '/api/docs', { title: 'older' })).json
    await new Promise((r) => setTimeout(r, 5))
    const newer = (await api('POST', '/api/docs', { title: 'newer' })).json
    let ids: string[] = (await api('GET', '/api/docs')).json.documents.map((d: { id: string }) => d.id)
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id))
    await new Promise((r) => setTimeout(r, 5))
    const editor = await connectSynced(running.wsUrl, older.id)
    editor.doc.getText('t').insert(0, 'edit')
    await waitFor(async () => {
      ids = (await api('GET', '/api/docs')).json.documents.map((d: { id: string }) => d.id)
      return ids[0] === older.id
    }, 'edited doc first')
    editor.destroy()
  })
})
