import { describe, expect, it } from 'vitest'
import { packZip, unpackZip, ZipError } from '../../server/documents/bounded-zip'
import { DocxError, docxToHTML, MAX_DOCX_UNPACKED_BYTES } from '../../server/documents/docx'
import { makeDocx, zipDeflated } from '../helpers/docx'

describe('Word .docx to HTML', () => {
  it('converts headings, bold and italic runs and bullet lists', async () => {
    const docx = makeDocx([
      { heading: 1, runs: [{ text: 'Quarterly notes' }] },
      { runs: [{ text: 'Plain, ' }, { text: 'bold', bold: true }, { text: ' and ' }, { text: 'italic', italic: true }] },
      { heading: 2, runs: [{ text: 'Next steps' }] },
      { bullet: true, runs: [{ text: 'Ship it' }] },
      { bullet: true, runs: [{ text: 'Tell <everyone> & more' }] },
    ])
    expect(await docxToHTML(docx)).toBe(
      '<h1>Quarterly notes</h1><p>Plain, <strong>bold</strong> and <em>italic</em></p><h2>Next steps</h2>' +
        '<ul><li>Ship it</li><li>Tell &lt;everyone&gt; &amp; more</li></ul>',
    )
  })

  it('refuses what is not a .docx, with the reason', async () => {
    await expect(docxToHTML(Buffer.from('# just markdown'))).rejects.toThrow(new DocxError('not a Word .docx file (not a zip archive)'))
    const otherZip = zipDeflated({ 'notes.txt': Buffer.from('hello') })
    await expect(docxToHTML(otherZip)).rejects.toThrow(new DocxError('not a Word .docx file (no word/document.xml)'))
    const truncated = makeDocx([{ runs: [{ text: 'x' }] }]).subarray(0, 300)
    await expect(docxToHTML(truncated)).rejects.toThrow(DocxError)
    const badXml = zipDeflated({ 'word/document.xml': Buffer.from('<w:document><unclosed') })
    await expect(docxToHTML(badXml)).rejects.toThrow(DocxError)
  })

  it('leaves pictures packed: they count toward no limit', async () => {
    const picture = Buffer.alloc(MAX_DOCX_UNPACKED_BYTES * 2)
    const docx = makeDocx([{ runs: [{ text: 'With a big picture' }] }], { 'word/media/image1.png': picture })
    expect(await docxToHTML(docx)).toBe('<p>With a big picture</p>')
  })

  it('converts off the event loop: a long document leaves timers running on time', async () => {
    const paragraphs = Array.from({ length: 12_000 }, (_, i) => ({
      heading: i % 20 === 0 ? (1 as const) : undefined,
      runs: [{ text: `Paragraph ${i} with some ordinary words in it. `.repeat(3) }, { text: 'bold', bold: true }],
    }))
    const docx = makeDocx(paragraphs)
    let last = performance.now()
    let longestGap = 0
    const ticker = setInterval(() => {
      const now = performance.now()
      longestGap = Math.max(longestGap, now - last)
      last = now
    }, 10)
    const started = performance.now()
    const html = await docxToHTML(docx)
    const took = performance.now() - started
    clearInterval(ticker)
    expect(html.startsWith('<h1>Paragraph 0 ')).toBe(true)
    console.log(`[docx] 12,000 paragraphs converted in ${took.toFixed(0)} ms; longest event-loop gap ${longestGap.toFixed(0)} ms`)
    // On the event loop this conversion blocks for seconds; in the worker only the unpacking does.
    expect(longestGap).toBeLessThan(Math.max(500, took / 3))
  }, 60_000)

  it('stops a conversion that runs past its time', async () => {
    const docx = makeDocx([{ runs: [{ text: 'slow' }] }])
    await expect(docxToHTML(docx, { timeoutMs: 1 })).rejects.toThrow(new DocxError('the Word document took too long to convert'))
    expect(await docxToHTML(docx)).toBe('<p>slow</p>')
  })

  it('refuses a zip bomb before inflating past the limit', async () => {
    // 8 MiB of zeros deflate to ~8 KB: a small upload that would otherwise fill memory.
    const bomb = zipDeflated({ 'word/document.xml': Buffer.alloc(MAX_DOCX_UNPACKED_BYTES + 1) })
    expect(bomb.length).toBeLessThan(200 * 1024)
    await expect(docxToHTML(bomb)).rejects.toThrow(
      new DocxError(`not a Word .docx file (unpacks to more than ${MAX_DOCX_UNPACKED_BYTES} bytes)`),
    )
  })
})

describe('bounded zip', () => {
  it('unpacks deflated and stored entries and packs them again', () => {
    const files = { 'a.txt': Buffer.from('alpha'.repeat(100)), 'dir/b.xml': Buffer.from('<b/>'), empty: Buffer.alloc(0) }
    const entries = unpackZip(zipDeflated(files), 10_000)
    expect(entries.map((e) => [e.name, e.data.toString()])).toEqual(Object.entries(files).map(([n, d]) => [n, d.toString()]))
    const again = unpackZip(packZip(entries), 10_000)
    expect(again).toEqual(entries)
  })

  it('counts the limit over all entries together, exactly', () => {
    const files = { a: Buffer.alloc(600), b: Buffer.alloc(400) }
    expect(unpackZip(zipDeflated(files), 1000)).toHaveLength(2)
    expect(() => unpackZip(zipDeflated(files), 999)).toThrow(new ZipError('unpacks to more than 999 bytes'))
    const stored = packZip(unpackZip(zipDeflated(files), 1000))
    expect(() => unpackZip(stored, 999)).toThrow(new ZipError('unpacks to more than 999 bytes'))
  })

  it('refuses damaged archives without crashing', () => {
    const good = zipDeflated({ 'a.txt': Buffer.from('hello') })
    expect(() => unpackZip(Buffer.alloc(10), 100)).toThrow(ZipError)
    expect(() => unpackZip(good.subarray(0, good.length - 30), 100)).toThrow(ZipError)
    const wrongOffset = Buffer.from(good)
    wrongOffset.writeUInt32LE(0, wrongOffset.length - 6) // directory offset → the local header
    expect(() => unpackZip(wrongOffset, 100)).toThrow(new ZipError('damaged zip directory'))
    const garbled = Buffer.from(good)
    garbled.fill(0xff, 30 + 'a.txt'.length, 30 + 'a.txt'.length + 4) // the compressed data
    expect(() => unpackZip(garbled, 100)).toThrow(ZipError)
  })
})
