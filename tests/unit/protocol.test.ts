import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import {
  CloseCode,
  closeCodeName,
  isValidDocId,
  ProtocolError,
  readAwarenessUpdate,
  readMessage,
  writeAwareness,
  writePermissionDenied,
  writeQueryAwareness,
  writeSyncStep1,
  writeSyncStep2,
  writeUpdate,
} from '../../lib/protocol'

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ')
const bytes = (text: string) => new Uint8Array(Buffer.from(text.replace(/ /g, ''), 'hex'))

function closeCodeOf(frame: Uint8Array): number {
  try {
    readMessage(frame)
  } catch (err) {
    if (err instanceof ProtocolError) return err.close.code
    throw err
  }
  return 0
}

describe('protocol: golden bytes (PROTOCOL.md examples)', () => {
  it('[P1] writers produce the documented frames', () => {
    expect(hex(writeSyncStep1(Y.encodeStateVector(new Y.Doc())))).toBe('00 00 01 00')
    expect(hex(writeSyncStep2(new Uint8Array([0, 0])))).toBe('00 01 02 00 00')
    expect(hex(writeUpdate(new Uint8Array([0xaa, 0xbb, 0xcc])))).toBe('00 02 03 aa bb cc')
    expect(hex(writeQueryAwareness())).toBe('03')
    expect(hex(writePermissionDenied('read-only'))).toBe('02 00 09 72 65 61 64 2d 6f 6e 6c 79')
    const awareness = bytes('01 01 02 02 7b 7d')
    expect(hex(writeAwareness(awareness))).toBe('01 06 01 01 02 02 7b 7d')
  })

  it('[P1] readers parse the documented frames', () => {
    expect(readMessage(bytes('00 00 01 00'))).toEqual({ kind: 'sync-step1', stateVector: bytes('00') })
    expect(readMessage(bytes('00 01 02 00 00'))).toEqual({ kind: 'sync-step2', update: bytes('00 00') })
    expect(readMessage(bytes('00 02 03 aa bb cc'))).toEqual({ kind: 'update', update: bytes('aa bb cc') })
    expect(readMessage(bytes('03'))).toEqual({ kind: 'query-awareness' })
    expect(readMessage(bytes('02 00 09 72 65 61 64 2d 6f 6e 6c 79'))).toEqual({
      kind: 'permission-denied',
      reason: 'read-only',
    })
    expect(readAwarenessUpdate(bytes('01 05 03 04 6e 75 6c 6c'))).toEqual([{ clientId: 5, clock: 3, state: null, json: 'null' }])
    expect(readAwarenessUpdate(bytes('01 01 02 02 7b 7d'))).toEqual([{ clientId: 1, clock: 2, state: {}, json: '{}' }])
  })

  it('[P1] interoperates with y-protocols in both directions', () => {
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'hi')
    // y-protocols → our reader
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, doc)
    const step1 = readMessage(encoding.toUint8Array(encoder))
    expect(step1.kind).toBe('sync-step1')
    // our writer → y-protocols reader
    const other = new Y.Doc()
    const frame = writeSyncStep2(Y.encodeStateAsUpdate(doc))
    const decoder = decoding.createDecoder(frame)
    expect(decoding.readVarUint(decoder)).toBe(0)
    syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), other, null)
    expect(other.getText('t').toString()).toBe('hi')
    // awareness from y-protocols → our awareness reader
    const awareness = new awarenessProtocol.Awareness(doc)
    awareness.setLocalState({ user: { name: 'Ada', color: '#123456' } })
    const entries = readAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]))
    expect(entries.map(({ json: _json, ...rest }) => rest)).toEqual([
      { clientId: doc.clientID, clock: 1, state: { user: { name: 'Ada', color: '#123456' } } },
    ])
  })
})

describe('protocol: refusing bad frames', () => {
  it('[P6] empty, truncated and overlong frames are MalformedMessage (4400)', () => {
    const malformed = CloseCode.MalformedMessage.code
    expect(closeCodeOf(bytes(''))).toBe(malformed)
    expect(closeCodeOf(bytes('80'))).toBe(malformed) // varint with the continuation bit and no more bytes
    expect(closeCodeOf(bytes('ff ff ff ff ff ff ff ff ff'))).toBe(malformed) // beyond 53 bits / truncated
    expect(closeCodeOf(bytes('00'))).toBe(malformed) // sync without sub-type
    expect(closeCodeOf(bytes('00 02'))).toBe(malformed) // update without payload length
    expect(closeCodeOf(bytes('00 02 05 01 02'))).toBe(malformed) // length past the end
    expect(closeCodeOf(bytes('00 02 01 aa bb'))).toBe(malformed) // trailing bytes
    expect(closeCodeOf(bytes('03 00'))).toBe(malformed) // query awareness has no body
    expect(closeCodeOf(bytes('00 00 02 01 05'))).toBe(malformed) // state vector: 1 entry, clock missing
    expect(closeCodeOf(bytes('01'))).toBe(malformed) // awareness without payload
  })

  it('[P7] unknown message types and sub-types are UnknownMessageType (4415)', () => {
    const unknown = CloseCode.UnknownMessageType.code
    expect(closeCodeOf(bytes('07'))).toBe(unknown)
    expect(closeCodeOf(bytes('80 01'))).toBe(unknown) // type 128, well-formed varint
    expect(closeCodeOf(bytes('00 03 00'))).toBe(unknown)
    expect(closeCodeOf(bytes('02 01 00'))).toBe(unknown)
  })

  it('[P6] awareness entries must be JSON objects or null, with nothing after them', () => {
    const entry = (json: string) => {
      const e = encoding.createEncoder()
      encoding.writeVarUint(e, 1)
      encoding.writeVarUint(e, 9)
      encoding.writeVarUint(e, 1)
      encoding.writeVarString(e, json)
      return encoding.toUint8Array(e)
    }
    expect(() => readAwarenessUpdate(entry('{"a":1}'))).not.toThrow()
    expect(() => readAwarenessUpdate(entry('{oops'))).toThrow(ProtocolError)
    expect(() => readAwarenessUpdate(entry('[1,2]'))).toThrow(ProtocolError)
    expect(() => readAwarenessUpdate(entry('42'))).toThrow(ProtocolError)
    expect(() => readAwarenessUpdate(new Uint8Array([...entry('{}'), 0]))).toThrow(ProtocolError)
    expect(() => readAwarenessUpdate(bytes('02 01 01 02 7b 7d'))).toThrow(ProtocolError) // says 2 entries, has 1
  })

  it('[P6] a view on a larger buffer never reads past its own bytes', () => {
    // ws hands frames as views into bigger buffers; a length that points past the frame must
    // fail even though the underlying memory continues.
    const backing = new Uint8Array([0, 2, 5, 1, 2, 3, 4, 5, 6, 7])
    const frame = backing.subarray(0, 5)
    expect(closeCodeOf(frame)).toBe(CloseCode.MalformedMessage.code)
  })
})

describe('protocol: ids', () => {
  it('[U1] document ids follow the documented rule', () => {
    for (const id of ['a', 'Doc-1_v2.md', 'x'.repeat(128), '...', '.a', 'a..b']) expect(isValidDocId(id)).toBe(true)
    for (const id of ['', '.', '..', 'x'.repeat(129), 'a/b', 'a b', 'ä', 'a%20b', 'a?b', 'a\u0000']) {
      expect(isValidDocId(id)).toBe(false)
    }
  })

  it('close codes have names', () => {
    expect(closeCodeName(4422)).toBe('InvalidUpdate')
    expect(closeCodeName(1001)).toBe('GoingAway')
    expect(closeCodeName(1234)).toBeUndefined()
  })
})
