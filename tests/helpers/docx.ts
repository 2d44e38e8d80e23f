import { deflateRawSync } from 'node:zlib'

/**
 * Writes small Word .docx files for tests, the way Word stores them: a deflated zip with the
 * content types, the package relationships, word/document.xml, styles (so "Heading 1" is a
 * named style, as in Word) and numbering (so bullets are a list). Independent of the server's
 * own zip code, which it is used to test.
 */
export interface DocxRun {
  text: string
  bold?: boolean
  italic?: boolean
}

export interface DocxParagraph {
  heading?: 1 | 2
  bullet?: boolean
  runs: DocxRun[]
}

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function paragraphXml(paragraph: DocxParagraph): string {
  const properties = [
    paragraph.heading ? `<w:pStyle w:val="Heading${paragraph.heading}"/>` : '',
    paragraph.bullet ? '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' : '',
  ].join('')
  const runs = paragraph.runs
    .map((run) => {
      const style = `${run.bold ? '<w:b/>' : ''}${run.italic ? '<w:i/>' : ''}`
      return `<w:r>${style ? `<w:rPr>${style}</w:rPr>` : ''}<w:t xml:space="preserve">${escapeXml(run.text)}</w:t></w:r>`
    })
    .join('')
  return `<w:p>${properties ? `<w:pPr>${properties}</w:pPr>` : ''}${runs}</w:p>`
}

function parts(paragraphs: DocxParagraph[]): Record<string, string> {
  const heading = (level: number) =>
    `<w:style w:type="paragraph" w:styleId="Heading${level}"><w:name w:val="heading ${level}"/><w:basedOn w:val="Normal"/></w:style>`
  return {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
      '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>' +
      '</Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${REL}/officeDocument" Target="word/document.xml"/>` +
      '</Relationships>',
    'word/_rels/document.xml.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${REL}/styles" Target="styles.xml"/>` +
      `<Relationship Id="rId2" Type="${REL}/numbering" Target="numbering.xml"/>` +
      '</Relationships>',
    'word/document.xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      `<w:document xmlns:w="${W}" xmlns:r="${REL}"><w:body>${paragraphs.map(paragraphXml).join('')}</w:body></w:document>`,
    'word/styles.xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      `<w:styles xmlns:w="${W}"><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>` +
      `${heading(1)}${heading(2)}</w:styles>`,
    'word/numbering.xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      `<w:numbering xmlns:w="${W}"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum>` +
      '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>',
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(data: Buffer): number {
  let crc = 0xffffffff
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** A zip of `files`, every entry deflated (as Word writes them). */
export function zipDeflated(files: Record<string, Buffer>): Buffer {
  const chunks: Buffer[] = []
  const directory: Buffer[] = []
  let offset = 0
  for (const [fileName, data] of Object.entries(files)) {
    const name = Buffer.from(fileName, 'utf8')
    const packed = deflateRawSync(data)
    const crc = crc32(data)
    const header = (central: boolean) => {
      const head = Buffer.alloc(central ? 46 : 30)
      head.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, 0)
      // The central record has a "made by" version first; the rest is laid out alike.
      if (central) head.writeUInt16LE(20, 4)
      const at = central ? 6 : 4
      head.writeUInt16LE(20, at) // version needed
      head.writeUInt16LE(0x0800, at + 2) // UTF-8 names
      head.writeUInt16LE(8, at + 4) // deflate
      head.writeUInt32LE(crc, at + 10)
      head.writeUInt32LE(packed.length, at + 14)
      head.writeUInt32LE(data.length, at + 18)
      head.writeUInt16LE(name.length, at + 22)
      if (central) head.writeUInt32LE(offset, 42)
      return head
    }
    directory.push(header(true), name)
    const local = header(false)
    chunks.push(local, name, packed)
    offset += local.length + name.length + packed.length
  }
  const central = Buffer.concat(directory)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(Object.keys(files).length, 8)
  end.writeUInt16LE(Object.keys(files).length, 10)
  end.writeUInt32LE(central.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...chunks, central, end])
}

/** A .docx holding `paragraphs` (and `extra` parts, e.g. a picture under word/media/). */
export function makeDocx(paragraphs: DocxParagraph[], extra: Record<string, Buffer> = {}): Buffer {
  const files = Object.fromEntries(Object.entries(parts(paragraphs)).map(([name, xml]) => [name, Buffer.from(xml, 'utf8')]))
  return zipDeflated({ ...files, ...extra })
}
