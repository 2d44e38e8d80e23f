import { Worker } from 'node:worker_threads'
import { packZip, unpackZip, ZipError } from './bounded-zip'

/** The media type of a Word .docx file, as browsers and mail clients send it. */
export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

/** The most a .docx's text parts (its XML) may unpack to: some hundreds of pages. */
export const MAX_DOCX_UNPACKED_BYTES = 8 * 1024 * 1024

/** A conversion still running after this is stopped (the upload is refused). */
export const DOCX_CONVERSION_TIMEOUT_MS = 30_000

/** Conversions at once; more wait their turn (each takes a core and tens of MB while it runs). */
const MAX_CONCURRENT_CONVERSIONS = 2

/** The upload is not a Word document Tandem can read; the message says why, for a 400. */
export class DocxError extends Error {}

/** Pictures, embedded objects and fonts: never read, so never unpacked. */
const isBinaryPart = (name: string) => /^word\/(media|embeddings|fonts)\//.test(name)

const WORKER_URL = new URL('./mammoth-worker.mjs', import.meta.url)

let running = 0
const waiting: Array<() => void> = []

async function inTurn<T>(task: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_CONVERSIONS) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await task()
  } finally {
    running--
    waiting.shift()?.()
  }
}

/**
 * Runs mammoth in a worker thread with its own heap limit: seconds of XML parsing for a long
 * document (about 0.9 s per MiB of XML measured) never stall the event loop, and a document
 * that exhausts the worker's memory ends the worker, not the server.
 */
function convertInWorker(zip: Buffer, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: zip, resourceLimits: { maxOldGenerationSizeMb: 256 } })
    let settled = false
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void worker.terminate()
      outcome()
    }
    const timer = setTimeout(() => finish(() => reject(new DocxError('the Word document took too long to convert'))), timeoutMs)
    worker.once('message', (message: { html?: string; error?: string }) =>
      finish(() =>
        typeof message.html === 'string'
          ? resolve(message.html)
          : reject(new DocxError(`the Word document could not be read (${message.error ?? 'unknown error'})`)),
      ),
    )
    worker.once('error', (error) => finish(() => reject(new DocxError(`the Word document could not be read (${error.message})`))))
    worker.once('exit', (code) =>
      finish(() => reject(new DocxError(`the Word document could not be read (converter exited with ${code})`))),
    )
  })
}

/**
 * A Word .docx file as HTML (mammoth: headings, lists, bold/italic, links, tables as text),
 * for the same HTML parser every other import goes through. The archive is unpacked within
 * MAX_DOCX_UNPACKED_BYTES first (see bounded-zip.ts), its pictures left packed; files it
 * links to outside itself are never opened.
 */
export async function docxToHTML(bytes: Uint8Array, options: { timeoutMs?: number } = {}): Promise<string> {
  let entries: ReturnType<typeof unpackZip>
  try {
    entries = unpackZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), MAX_DOCX_UNPACKED_BYTES, isBinaryPart)
  } catch (error) {
    if (error instanceof ZipError) throw new DocxError(`not a Word .docx file (${error.message})`)
    throw error
  }
  if (!entries.some((entry) => entry.name === 'word/document.xml')) throw new DocxError('not a Word .docx file (no word/document.xml)')
  const zip = packZip(entries)
  return inTurn(() => convertInWorker(zip, options.timeoutMs ?? DOCX_CONVERSION_TIMEOUT_MS))
}
