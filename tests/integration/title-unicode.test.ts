import { afterEach, describe, expect, it } from 'vitest'
import { bindTitleInput } from '../../lib/client/title-binding'
import { MAX_TITLE_LENGTH, TITLE_FIELD } from '../../lib/protocol'
import { connectSynced, type TestClient } from '../helpers/clients'
import { FakeInput } from '../helpers/fake-input'
import { type RunningServer, startServer } from '../helpers/server'
import { waitFor } from '../helpers/wait'

/** Half of a surrogate pair on its own: what a replica shows as "�". */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

let server: RunningServer
const clients: TestClient[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  await server?.stop()
})

/** Two people with the title field open in one document, through the real server. */
async function twoTitleInputs(docId: string): Promise<{ a: FakeInput; b: FakeInput; bClient: TestClient }> {
  server = await startServer()
  const aClient = await connectSynced(server.wsUrl, docId)
  const bClient = await connectSynced(server.wsUrl, docId)
  clients.push(aClient, bClient)
  const a = new FakeInput()
  const b = new FakeInput()
  bindTitleInput(a, aClient.doc.getText(TITLE_FIELD), MAX_TITLE_LENGTH)
  bindTitleInput(b, bClient.doc.getText(TITLE_FIELD), MAX_TITLE_LENGTH)
  return { a, b, bClient }
}

describe('title with emoji, flags, combining marks and CJK, between two real clients', () => {
  // Each case: what the title is, then what A's input holds after one keystroke or paste.
  const cases: Array<[string, string, string]> = [
    ['emoji typed in front of an emoji', 'a😀b', 'a😃😀b'],
    ['emoji typed after an emoji', 'a😀b', 'a😀😃b'],
    ['emoji replaced by another', 'a😀b', 'a😃b'],
    ['flag typed in front of a flag', 'Trip 🇩🇪', 'Trip 🇫🇷🇩🇪'],
    ['family emoji (joined with ZWJ) in front of another', '👨‍👩‍👧 notes', '👩‍👩‍👦👨‍👩‍👧 notes'],
    ['combining accent added to a letter', 'Cafe', 'Cafe\u0301'],
    ['CJK typed between CJK', '漢字', '漢中字'],
    ['emoji deleted between emoji', '😀😃😄', '😀😄'],
  ]

  for (const [name, before, after] of cases) {
    it(`${name}: the other replica and the server show exactly the typed text`, async () => {
      const { a, b } = await twoTitleInputs('unicode-title')
      a.type(before, before.length)
      await waitFor(() => b.value === before, 'the first title to arrive')
      a.type(after, after.length)
      await waitFor(() => b.value === after, `"${after}" to arrive, B shows "${b.value}"`)
      expect(b.value).not.toMatch(LONE_SURROGATE)
      const meta = (await (await fetch(`${server.httpUrl}/api/docs/unicode-title`)).json()) as { title: string }
      expect(meta.title).toBe(after)
    })
  }

  it('a title cut at the length limit never keeps half an emoji, flag or accented letter', async () => {
    const { a, b } = await twoTitleInputs('long-title')
    const pad = 'x'.repeat(MAX_TITLE_LENGTH - 1)
    for (const tail of ['😀', '🇫🇷', 'e\u0301\u0301']) {
      a.type(pad + tail, pad.length + tail.length)
      await waitFor(() => b.value === pad, `the cut title to arrive, B shows ...${b.value.slice(-4)}`)
      expect(a.value).toBe(pad)
      a.type('', 0)
      await waitFor(() => b.value === '', 'the title to be cleared')
    }
  })

  it('the server keeps at most MAX_TITLE_LENGTH of a longer title, cut between characters', async () => {
    server = await startServer()
    const client = await connectSynced(server.wsUrl, 'stored-title')
    clients.push(client)
    // A client without the binding (any Yjs app) may write a longer title; metadata keeps a cut copy.
    client.doc.getText(TITLE_FIELD).insert(0, `${'y'.repeat(MAX_TITLE_LENGTH - 1)}😀 and more`)
    await waitFor(async () => {
      const meta = (await (await fetch(`${server.httpUrl}/api/docs/stored-title`)).json()) as { title?: string }
      return typeof meta.title === 'string' && meta.title.length > 0
    }, 'the title to be stored')
    const meta = (await (await fetch(`${server.httpUrl}/api/docs/stored-title`)).json()) as { title: string }
    expect(meta.title).toBe('y'.repeat(MAX_TITLE_LENGTH - 1))
  })
})
