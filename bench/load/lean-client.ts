import crypto from 'node:crypto'
import net from 'node:net'
import type { Protocol } from '../targets/spawn'
import {
  AUTH_AUTHENTICATED,
  AUTH_PERMISSION_DENIED,
  authMessage,
  Cursor,
  documentPrefix,
  EMPTY_STATE_VECTOR,
  EMPTY_UPDATE,
  MSG_AUTH,
  MSG_SYNC,
  SYNC_STEP1,
  SYNC_STEP2,
  syncStep1,
  syncStep2,
} from './wire'

/** Bytes of each message kept for parsing; the rest of a large message is counted, never copied. */
const HEAD_BYTES = 64

const OP_CONTINUATION = 0x0
const OP_BINARY = 0x2
const OP_CLOSE = 0x8
const OP_PING = 0x9

/**
 * A WebSocket client for receiving large documents cheaply (the join storm): it speaks RFC 6455
 * over a plain TCP socket and, for each incoming message, keeps only its first 64 bytes (enough
 * for the protocol header) and counts the rest without buffering or copying it. The `ws` client
 * assembles every 5 MB message into a fresh Buffer, and with 150 of them the generator spends
 * its core on copies and garbage collection instead of measuring the server.
 *
 * The handshake is the same as SimClient's: Hocuspocus auth first; sync step 1 with an empty
 * state vector; the server's step 1 answered with an empty step 2; synced on the server's step 2.
 */
export class LeanClient {
  readonly prefix: Uint8Array
  startedAt = 0
  syncedAt = 0
  step2Bytes = 0
  private socket: net.Socket | null = null
  private settle: { resolve: () => void; reject: (err: Error) => void } | null = null
  // Parser state.
  private handshakeDone = false
  private handshakeBuffer = ''
  private frameHeaderLength = 0
  private frameRemaining = 0
  private frameOpcode = 0
  private frameFin = false
  private messageOpcode = 0
  private messageHead = Buffer.alloc(HEAD_BYTES)
  private messageHeadLength = 0
  private messageLength = 0
  private readonly control: Buffer[] = []

  constructor(
    readonly index: number,
    readonly url: string,
    readonly docName: string,
    readonly protocol: Protocol,
    readonly token = 'bench',
  ) {
    this.prefix = documentPrefix(protocol, docName)
  }

  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`lean client ${this.index} not synced within ${timeoutMs} ms`)), timeoutMs)
      this.settle = {
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
        reject: (err) => {
          clearTimeout(timer)
          reject(err)
        },
      }
      const url = new URL(this.url)
      this.startedAt = performance.now()
      const socket = net.connect({ host: url.hostname, port: Number(url.port) })
      this.socket = socket
      socket.setNoDelay(true)
      socket.on('connect', () => {
        const key = crypto.randomBytes(16).toString('base64')
        socket.write(
          `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        )
      })
      socket.on('data', (chunk: Buffer) => this.receive(chunk))
      socket.on('error', (err) => this.fail(err))
      socket.on('close', () => this.fail(new Error(`lean client ${this.index}: socket closed before it was synced`)))
    })
  }

  /** Sends a close frame (1000) and ends the socket. */
  close(): void {
    this.settle = null
    const socket = this.socket
    if (!socket || socket.destroyed) return
    if (this.handshakeDone) this.sendFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]))
    socket.end()
    setTimeout(() => socket.destroy(), 1_000).unref()
  }

  private fail(err: Error): void {
    const settle = this.settle
    this.settle = null
    settle?.reject(err)
  }

  /** Sends one masked frame (clients must mask). */
  private sendFrame(opcode: number, payload: Uint8Array): void {
    const length = payload.length
    const header = length < 126 ? 2 : length < 65536 ? 4 : 10
    const frame = Buffer.alloc(header + 4 + length)
    frame[0] = 0x80 | opcode
    if (length < 126) frame[1] = 0x80 | length
    else if (length < 65536) {
      frame[1] = 0x80 | 126
      frame.writeUInt16BE(length, 2)
    } else {
      frame[1] = 0x80 | 127
      frame.writeBigUInt64BE(BigInt(length), 2)
    }
    const mask = crypto.randomBytes(4)
    mask.copy(frame, header)
    for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i]! ^ mask[i & 3]!
    this.socket?.write(frame)
  }

  private send(message: Uint8Array): void {
    this.sendFrame(OP_BINARY, message)
  }

  private receive(chunk: Buffer): void {
    let offset = 0
    if (!this.handshakeDone) {
      const text = chunk.toString('latin1')
      this.handshakeBuffer += text
      const end = this.handshakeBuffer.indexOf('\r\n\r\n')
      if (end === -1) return
      if (!/^HTTP\/1\.1 101/.test(this.handshakeBuffer)) {
        this.fail(new Error(`lean client ${this.index}: ${this.handshakeBuffer.split('\r\n')[0]}`))
        this.socket?.destroy()
        return
      }
      this.handshakeDone = true
      offset = chunk.length - (this.handshakeBuffer.length - (end + 4))
      this.handshakeBuffer = ''
      if (this.protocol === 'hocuspocus') this.send(authMessage(this.prefix, this.token))
      else this.send(syncStep1(this.prefix, EMPTY_STATE_VECTOR))
    }
    while (offset < chunk.length) {
      if (this.frameRemaining === 0 && !this.readHeader(chunk, offset)) return
      if (this.frameHeaderLength > 0) {
        // readHeader consumed bytes from this chunk; it records how many in frameHeaderLength.
        offset += this.frameHeaderLength
        this.frameHeaderLength = 0
        if (this.frameRemaining === 0) this.endFrame()
        continue
      }
      const take = Math.min(this.frameRemaining, chunk.length - offset)
      this.payload(chunk, offset, take)
      offset += take
      this.frameRemaining -= take
      if (this.frameRemaining === 0) this.endFrame()
    }
  }

  private partialHeader = Buffer.alloc(0)

  /**
   * Parses a frame header starting at `offset` (possibly split across chunks). Returns false when
   * the chunk ends inside the header; sets frameHeaderLength to the bytes of this chunk it used.
   */
  private readHeader(chunk: Buffer, offset: number): boolean {
    const available = Buffer.concat([this.partialHeader, chunk.subarray(offset, offset + 14)])
    if (available.length < 2) {
      this.partialHeader = available
      return false
    }
    const len7 = available[1]! & 0x7f
    const masked = (available[1]! & 0x80) !== 0
    const size = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0)
    if (available.length < size) {
      this.partialHeader = Buffer.from(available)
      return false
    }
    let length = len7
    if (len7 === 126) length = available.readUInt16BE(2)
    else if (len7 === 127) length = Number(available.readBigUInt64BE(2))
    this.frameFin = (available[0]! & 0x80) !== 0
    this.frameOpcode = available[0]! & 0x0f
    this.frameRemaining = length
    const fromThisChunk = size - this.partialHeader.length
    this.partialHeader = Buffer.alloc(0)
    this.frameHeaderLength = fromThisChunk
    if (this.frameOpcode !== OP_CONTINUATION && this.frameOpcode < 0x8) {
      this.messageOpcode = this.frameOpcode
      this.messageHeadLength = 0
      this.messageLength = 0
    }
    return true
  }

  private payload(chunk: Buffer, offset: number, length: number): void {
    if (this.frameOpcode >= 0x8) {
      this.control.push(Buffer.from(chunk.subarray(offset, offset + length)))
      return
    }
    if (this.messageHeadLength < HEAD_BYTES) {
      const copy = Math.min(length, HEAD_BYTES - this.messageHeadLength)
      chunk.copy(this.messageHead, this.messageHeadLength, offset, offset + copy)
      this.messageHeadLength += copy
    }
    this.messageLength += length
  }

  private endFrame(): void {
    if (this.frameOpcode >= 0x8) {
      const body = Buffer.concat(this.control.splice(0))
      if (this.frameOpcode === OP_PING) this.sendFrame(0xa, body)
      else if (this.frameOpcode === OP_CLOSE) {
        this.fail(new Error(`lean client ${this.index}: closed by the server (${body.length >= 2 ? body.readUInt16BE(0) : 1005})`))
        this.socket?.destroy()
      }
      return
    }
    if (!this.frameFin || this.messageOpcode !== OP_BINARY) return
    this.message(performance.now())
  }

  private message(now: number): void {
    const c = new Cursor().reset(this.messageHead.subarray(0, this.messageHeadLength))
    try {
      if (this.protocol === 'hocuspocus') c.skipString()
      const type = c.read()
      if (type === MSG_SYNC) {
        const sub = c.read()
        if (sub === SYNC_STEP2) {
          const length = c.read()
          if (this.syncedAt === 0) {
            this.syncedAt = now
            this.step2Bytes = length
            const settle = this.settle
            this.settle = null
            settle?.resolve()
          }
        } else if (sub === SYNC_STEP1) {
          this.send(syncStep2(this.prefix, EMPTY_UPDATE))
        }
      } else if (type === MSG_AUTH && this.protocol === 'hocuspocus') {
        const sub = c.read()
        if (sub === AUTH_AUTHENTICATED) this.send(syncStep1(this.prefix, EMPTY_STATE_VECTOR))
        else if (sub === AUTH_PERMISSION_DENIED) this.fail(new Error(`lean client ${this.index}: permission denied`))
      }
    } catch {
      // A header longer than 64 bytes (a very long document name) cannot be parsed: ignore it.
    }
  }
}
