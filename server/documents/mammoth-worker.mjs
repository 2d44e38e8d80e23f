// Converts one Word .docx (already unpacked within limits and packed again, see docx.ts) to
// HTML with mammoth, in a worker thread: a long conversion must not hold up the event loop
// that serves every connection. Plain JavaScript, so it loads the same under tsx and vitest.
import { parentPort, workerData } from 'node:worker_threads'
import mammoth from 'mammoth'

// Images have no place in a Tandem document: none is read, decoded or inlined.
const skipImages = mammoth.images.imgElement(async () => ({ src: '' }))

try {
  const result = await mammoth.convertToHtml({ buffer: Buffer.from(workerData) }, { convertImage: skipImages, externalFileAccess: false })
  parentPort.postMessage({ html: result.value })
} catch (error) {
  parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) })
}
