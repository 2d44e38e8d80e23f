/**
 * Which image a file is, read from its first bytes (magic numbers), never from the type or
 * name the uploader declared (server rule F2): a browser shown a file as an image only ever
 * decodes it as one, so an HTML page, an SVG with script or a PDF renamed `cat.png` is refused.
 * SVG is not on the list at all: it is a document that can run script, not a picture.
 */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/avif'

export const IMAGE_TYPES: readonly ImageType[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']

/** File name extension of each type (a served file's name ends with it). */
export const IMAGE_EXTENSIONS: Readonly<Record<ImageType, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false
  return signature.every((byte, i) => bytes[offset + i] === byte)
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0))

/** The image type the bytes are, or null when they are no image Tandem accepts. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  // PNG: \x89PNG\r\n\x1a\n, then the IHDR chunk.
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) && startsWith(bytes, ascii('IHDR'), 12)) return 'image/png'
  // JPEG: SOI then the first marker.
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif'
  // WebP: RIFF <size> WEBP, then a VP8 / VP8L / VP8X chunk.
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8) && startsWith(bytes, ascii('VP8'), 12)) return 'image/webp'
  // AVIF: an ISO BMFF `ftyp` box whose major brand is avif or avis.
  if (startsWith(bytes, ascii('ftyp'), 4) && (startsWith(bytes, ascii('avif'), 8) || startsWith(bytes, ascii('avis'), 8)))
    return 'image/avif'
  return null
}
