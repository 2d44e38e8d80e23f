import mammoth from 'mammoth'
import { packZip, unpackZip, ZipError } from './bounded-zip'

/** The media type of a Word .docx file, as browsers and mail clients send it. */
export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

/**
 * The most a .docx's text parts (its XML) may unpack to: some hundreds of pages. Converting
 * takes about half a second per MiB of XML, on the event loop, so this also bounds that.
 */
export const MAX_DOCX_UNPACKED_BYTES = 8 * 1024 * 1024

/** The upload is not a Word document Tandem can read; the message says why, for a 400. */
export class DocxError extends Error {}

// Images have no place in a Tandem document: none is read, decoded or inlined.
const skipImages = mammoth.images.imgElement(async () => ({ src: '' }))

/** Pictures, embedded objects and fonts: never read, so never unpacked. */
const isBinaryPart = (name: string) => /^word\/(media|embeddings|fonts)\//.test(name)

/**
 * A Word .docx file as HTML (mammoth: headings, lists, bold/italic, links, tables as text),
 * for the same HTML parser every other import goes through. The archive is unpacked within
 * MAX_DOCX_UNPACKED_BYTES first (see bounded-zip.ts), its pictures left packed; files it
 * links to outside itself are never opened.
 */
export async function docxToHTML(bytes: Uint8Array): Promise<string> {
  let entries: ReturnType<typeof unpackZip>
  try {
    entries = unpackZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), MAX_DOCX_UNPACKED_BYTES, isBinaryPart)
  } catch (error) {
    if (error instanceof ZipError) throw new DocxError(`not a Word .docx file (${error.message})`)
    throw error
  }
  if (!entries.some((entry) => entry.name === 'word/document.xml')) throw new DocxError('not a Word .docx file (no word/document.xml)')
  try {
    const result = await mammoth.convertToHtml({ buffer: packZip(entries) }, { convertImage: skipImages, externalFileAccess: false })
    return result.value
  } catch (error) {
    throw new DocxError(`the Word document could not be read (${error instanceof Error ? error.message : String(error)})`)
  }
}
