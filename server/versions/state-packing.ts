import { promisify } from 'node:util'
import zlib from 'node:zlib'

/**
 * How a version's state is kept in storage: deflated. A state is mostly the document's text,
 * which deflate shrinks severalfold, and a version is written once and read rarely. zlib's
 * async calls run on the thread pool, off the event loop. Storage sees opaque bytes; only the
 * versions service packs and unpacks them.
 */
const deflate = promisify(zlib.deflate)
const inflate = promisify(zlib.inflate)

export async function packState(state: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await deflate(state))
}

export async function unpackState(packed: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await inflate(packed))
}
