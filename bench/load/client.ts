import { WebSocket } from 'ws'
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
  MSG_AWARENESS,
  MSG_SYNC,
  SYNC_STEP1,
  SYNC_STEP2,
  SYNC_UPDATE,
  syncStep1,
  syncStep2,
} from './wire'

/**
 * What a simulated client does with what it receives. `pos` points at the first byte of the
 * payload (the Yjs update, or the awareness update), `end` one past its last byte.
 */
export interface ClientHandlers {
  onUpdate?(client: SimClient, buf: Uint8Array, pos: number, end: number, now: number): void
  onSyncStep2?(client: SimClient, buf: Uint8Array, pos: number, end: number, now: number): void
  onAwareness?(client: SimClient, buf: Uint8Array, pos: number, end: number, now: number): void
  onClose?(client: SimClient, code: number): void
}

const cursor = new Cursor()

/**
 * One simulated user: one WebSocket, one document. It performs the handshake of its protocol
 * (Hocuspocus: auth first) with an empty state vector, answers the server's sync step 1 with
 * an empty step 2 like a fresh stock client, and counts itself synced on the server's step 2.
 */
export class SimClient {
  ws: WebSocket | null = null
  readonly prefix: Uint8Array
  synced = false
  /** performance.now() when the socket was created / when sync step 2 arrived. */
  startedAt = 0
  syncedAt = 0
  step2Bytes = 0
  closed = false
  closeCode = 0
  /** Set while the client is expected to be open; an earlier close is counted as a failure. */
  private settle: { resolve: () => void; reject: (err: Error) => void } | null = null

  constructor(
    readonly index: number,
    readonly url: string,
    readonly docName: string,
    readonly protocol: Protocol,
    readonly handlers: ClientHandlers,
    readonly token = 'bench',
  ) {
    this.prefix = documentPrefix(protocol, docName)
  }

  /** Opens the socket and resolves once synced (rejects on error, refusal or close before). */
  connect(timeoutMs = 60_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle = null
        reject(new Error(`client ${this.index} not synced within ${timeoutMs} ms`))
      }, timeoutMs)
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
      this.startedAt = performance.now()
      const ws = new WebSocket(this.url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024, skipUTF8Validation: true })
      this.ws = ws
      ws.binaryType = 'nodebuffer'
      ws.on('open', () => {
        if (this.protocol === 'hocuspocus') ws.send(authMessage(this.prefix, this.token))
        else ws.send(syncStep1(this.prefix, EMPTY_STATE_VECTOR))
      })
      ws.on('message', (data: Buffer) => this.receive(data))
      ws.on('unexpected-response', (_request, response) => {
        this.fail(new Error(`client ${this.index}: HTTP ${response.statusCode} at the upgrade`))
        ws.terminate()
      })
      ws.on('error', (err) => this.fail(err))
      ws.on('close', (code) => {
        this.closed = true
        this.closeCode = code
        this.fail(new Error(`client ${this.index}: closed (${code}) before it was synced`))
        this.handlers.onClose?.(this, code)
      })
    })
  }

  private fail(err: Error): void {
    const settle = this.settle
    this.settle = null
    settle?.reject(err)
  }

  private receive(data: Buffer): void {
    const now = performance.now()
    const c = cursor.reset(data)
    if (this.protocol === 'hocuspocus') c.skipString()
    const type = c.read()
    if (type === MSG_SYNC) {
      const sub = c.read()
      const length = c.read()
      const pos = c.pos
      const end = pos + length
      if (sub === SYNC_UPDATE) {
        this.handlers.onUpdate?.(this, data, pos, end, now)
      } else if (sub === SYNC_STEP2) {
        this.handlers.onSyncStep2?.(this, data, pos, end, now)
        if (!this.synced) {
          this.synced = true
          this.syncedAt = now
          this.step2Bytes = length
          const settle = this.settle
          this.settle = null
          settle?.resolve()
        }
      } else if (sub === SYNC_STEP1) {
        this.ws!.send(syncStep2(this.prefix, EMPTY_UPDATE))
      }
    } else if (type === MSG_AWARENESS) {
      const length = c.read()
      this.handlers.onAwareness?.(this, data, c.pos, c.pos + length, now)
    } else if (type === MSG_AUTH && this.protocol === 'hocuspocus') {
      const sub = c.read()
      if (sub === AUTH_AUTHENTICATED) this.ws!.send(syncStep1(this.prefix, EMPTY_STATE_VECTOR))
      else if (sub === AUTH_PERMISSION_DENIED) this.fail(new Error(`client ${this.index}: permission denied`))
    }
    // Anything else (Hocuspocus SyncStatus, close notices; Tandem permission-denied) is ignored.
  }

  send(frame: Uint8Array): void {
    const ws = this.ws
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(frame)
  }

  /** Bytes this client's TCP socket has read: everything the server sent it. */
  get bytesRead(): number {
    const socket = (this.ws as unknown as { _socket?: { bytesRead: number } } | null)?._socket
    return socket?.bytesRead ?? 0
  }

  close(): void {
    this.settle = null
    const ws = this.ws
    if (!ws) return
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000)
  }

  terminate(): void {
    this.settle = null
    this.ws?.terminate()
  }
}

/** Connects clients with at most `concurrency` handshakes in flight; returns the failures. */
export async function connectAll(clients: readonly SimClient[], concurrency: number, timeoutMs = 60_000): Promise<Error[]> {
  const failures: Error[] = []
  let next = 0
  const worker = async () => {
    while (next < clients.length) {
      const client = clients[next++]!
      try {
        await client.connect(timeoutMs)
      } catch (err) {
        failures.push(err as Error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker))
  return failures
}

/** Closes every client and waits (bounded) for the sockets to finish closing. */
export async function closeAll(clients: readonly SimClient[], waitMs = 3_000): Promise<void> {
  for (const client of clients) client.close()
  const deadline = Date.now() + waitMs
  while (Date.now() < deadline && clients.some((c) => c.ws && c.ws.readyState !== WebSocket.CLOSED)) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  for (const client of clients) if (client.ws && client.ws.readyState !== WebSocket.CLOSED) client.terminate()
}
