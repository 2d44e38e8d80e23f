import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { contentFromJSON, markdownToJSON } from '../../lib/document'
import { replaceContent } from '../../lib/document/write'
import { clip, digestOf, PREVIEW_LENGTH } from '../../server/documents/digest'
import { DIGEST_MAX_DELAY_MS, DIGEST_QUIET_MS, DocumentDigests } from '../../server/documents/digests'
import { HttpError } from '../../server/http/respond'
import { searchTerms, snippetOf } from '../../server/http/search'
import { MemoryStorage } from '../../server/storage/memory'
import { ManualClock } from '../helpers/manual-clock'

const silent = { warn() {}, info() {}, error() {}, debug() {} } as never

function docWith(markdown: string, title = ''): Y.Doc {
  const doc = new Y.Doc()
  doc.transact(() => replaceContent(doc, contentFromJSON(markdownToJSON(markdown))))
  doc.getText('title').insert(0, title)
  return doc
}

describe('[L9] digest of a document', () => {
  it('previews the text, not the title, on one line, cut at 140 characters without splitting an emoji', async () => {
    const digest = digestOf(docWith(`# Heading\n\nFirst   paragraph.\n\n- item one\n- item two\n\n${'word '.repeat(60)}`, 'The Title'))
    expect(digest.preview.startsWith('Heading First paragraph. item one item two word word')).toBe(true)
    expect(digest.preview).not.toContain('The Title')
    expect(Array.from(digest.preview).length).toBeLessThanOrEqual(PREVIEW_LENGTH + 1)
    expect(digest.preview.endsWith('…')).toBe(true)
    expect(digest.searchText.startsWith('the title\nheading')).toBe(true)
    expect(digest.hasContent).toBe(true)
    expect(clip('ab😀cd', 3)).toBe('ab😀…')
  })

  it('knows an empty document (nothing but empty paragraphs) has no content', async () => {
    const doc = new Y.Doc()
    const paragraph = new Y.XmlElement('paragraph')
    doc.getXmlFragment('content').push([paragraph])
    expect(digestOf(doc)).toMatchObject({ preview: '', hasContent: false })
  })
})

describe('[L9] search words and snippets', () => {
  it('lowercases and dedupes words; refuses an overlong query with a reason', () => {
    expect(searchTerms('  Zebra  ZEBRA  Straße ')).toEqual(['zebra', 'straße'])
    expect(() => searchTerms('x'.repeat(201))).toThrow(HttpError)
    expect(() => searchTerms(Array.from({ length: 11 }, (_, i) => `w${i}`).join(' '))).toThrow(/more than 10 words/)
  })

  it('cuts a line around the first match at spaces and marks every word in it, as plain text', () => {
    const text = `${'lead '.repeat(30)}the <b>Zebra</b> crossed; zebras too.\nNext ${'tail '.repeat(40)}`
    const snippet = snippetOf(text, ['zebra', '<b>'])
    expect(snippet?.text.startsWith('…')).toBe(true)
    expect(snippet?.text.endsWith('…')).toBe(true)
    expect(snippet?.text).toContain('the <b>Zebra</b> crossed; zebras too. Next')
    const marked = snippet?.highlights.map((h) => snippet.text.slice(h.start, h.start + h.length))
    expect(marked).toEqual(['<b>', 'Zebra', 'zebra'])
    expect(snippetOf('nothing here', ['zebra'])).toBeNull()
    expect(snippetOf('Short zebra', ['ZEBRA'.toLowerCase()])).toEqual({ text: 'Short zebra', highlights: [{ start: 6, length: 5 }] })
  })
})

describe('[L9] when digests are computed', () => {
  async function setup() {
    const clock = new ManualClock()
    const storage = new MemoryStorage()
    const digests = new DocumentDigests({ storage, scheduler: clock, now: () => clock.now(), logger: silent })
    const doc = docWith('Some text')
    await storage.append([{ docId: 'd', update: Y.encodeStateAsUpdate(doc) }], 0)
    const preview = async () => (await storage.listDocuments())[0]?.preview ?? null
    return { clock, storage, digests, preview }
  }

  it('after DIGEST_QUIET_MS of quiet, with the newest editor', async () => {
    const { clock, digests, storage, preview } = await setup()
    digests.changed('d', 'Ada')
    clock.advance(DIGEST_QUIET_MS - 1)
    digests.changed('d', 'Grace')
    clock.advance(DIGEST_QUIET_MS - 1)
    await digests.settled()
    expect(await preview()).toBeNull()
    clock.advance(1)
    await digests.settled()
    expect(await preview()).toBe('Some text')
    expect((await storage.listDocuments())[0]?.lastEditor).toBe('Grace')
    expect(digests.pending).toBe(0)
  })

  it('at the latest DIGEST_MAX_DELAY_MS after the first change, however busy', async () => {
    const { clock, digests, preview } = await setup()
    for (let t = 0; t < DIGEST_MAX_DELAY_MS; t += 1_000) {
      digests.changed('d', 'Ada')
      clock.advance(1_000)
      await digests.settled()
      if (t + 1_000 < DIGEST_MAX_DELAY_MS) expect(await preview()).toBeNull()
    }
    expect(await preview()).toBe('Some text')
  })

  it('stop computes the waiting digests at once', async () => {
    const { digests, preview } = await setup()
    digests.changed('d', 'Ada')
    await digests.stop()
    expect(await preview()).toBe('Some text')
  })
})
