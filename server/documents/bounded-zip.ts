import { inflateRawSync } from 'node:zlib'

/**
 * A .docx file is a zip archive, and a few kilobytes of zip can inflate to gigabytes. Before a
 * converter (which inflates everything it reads, with no limit) sees an upload, the archive
 * is unpacked here with a hard limit on the total unpacked size, and packed again without
 * compression, so nothing the converter does can take more memory than that limit.
 * Only what .docx writers produce is read: stored or deflated entries, no ZIP64, no encryption.
 */
export class ZipError extends Error {}

export interface ZipEntry {
  name: string
  data: Buffer
  crc32: number
}

const EOCD_SIGNATURE = 0x06054b50
const CENTRAL_SIGNATURE = 0x02014b50
const LOCAL_SIGNATURE = 0x04034b50
const EOCD_SIZE = 22
const MAX_COMMENT = 0xffff
const MAX_ENTRIES = 10_000

function findEndOfCentralDirectory(zip: Buffer): number {
  const earliest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT)
  for (let at = zip.length - EOCD_SIZE; at >= earliest; at--) {
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE) return at
  }
  throw new ZipError('not a zip archive')
}

/**
 * The entries of `zip`, inflated; throws ZipError when it is malformed or unpacks past
 * `maxBytes`. Entries `skip` names are kept empty, never inflated and not counted.
 */
export function unpackZip(zip: Buffer, maxBytes: number, skip: (name: string) => boolean = () => false): ZipEntry[] {
  if (zip.length < EOCD_SIZE) throw new ZipError('not a zip archive')
  const end = findEndOfCentralDirectory(zip)
  const count = zip.readUInt16LE(end + 10)
  const directoryOffset = zip.readUInt32LE(end + 16)
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported')
  if (count > MAX_ENTRIES) throw new ZipError(`more than ${MAX_ENTRIES} files in the archive`)
  const entries: ZipEntry[] = []
  let budget = maxBytes
  let at = directoryOffset
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError('damaged zip directory')
    const flags = zip.readUInt16LE(at + 8)
    const method = zip.readUInt16LE(at + 10)
    const crc32 = zip.readUInt32LE(at + 16)
    const compressedSize = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    const localOffset = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength)
    at += 46 + nameLength + extraLength + commentLength
    if (flags & 1) throw new ZipError('encrypted archives are not supported')
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new ZipError('damaged zip entry')
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28)
    if (dataStart + compressedSize > zip.length) throw new ZipError('damaged zip entry')
    const raw = zip.subarray(dataStart, dataStart + compressedSize)
    let data: Buffer
    if (skip(name)) {
      entries.push({ name, data: Buffer.alloc(0), crc32: 0 })
      continue
    }
    if (method === 0) {
      data = Buffer.from(raw)
    } else if (method === 8) {
      try {
        // One byte past the budget tells "exactly full" from "too big" (inflate stops there).
        data = inflateRawSync(raw, { maxOutputLength: budget + 1 })
      } catch (error) {
        if (error instanceof RangeError) throw new ZipError(`unpacks to more than ${maxBytes} bytes`)
        throw new ZipError('damaged compressed data')
      }
    } else {
      throw new ZipError(`compression method ${method} is not supported`)
    }
    if (data.length > budget) throw new ZipError(`unpacks to more than ${maxBytes} bytes`)
    budget -= data.length
    entries.push({ name, data, crc32 })
  }
  return entries
}

/** Packs entries into a zip archive without compression. */
export function packZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const local = Buffer.alloc(30)
    local.writeUInt32LE(LOCAL_SIGNATURE, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt16LE(0x0800, 6) // names are UTF-8
    local.writeUInt32LE(entry.crc32, 14)
    local.writeUInt32LE(entry.data.length, 18)
    local.writeUInt32LE(entry.data.length, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(CENTRAL_SIGNATURE, 0)
    central.writeUInt16LE(20, 4) // made by
    central.writeUInt16LE(20, 6) // version needed
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt32LE(entry.crc32, 16)
    central.writeUInt32LE(entry.data.length, 20)
    central.writeUInt32LE(entry.data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, entry.data)
    centrals.push(central, name)
    offset += local.length + name.length + entry.data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(EOCD_SIZE)
  end.writeUInt32LE(EOCD_SIGNATURE, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}
