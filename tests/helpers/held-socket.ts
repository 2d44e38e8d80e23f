import { WebSocket } from 'ws'

/** What a provider's `onclose` receives. */
interface CloseInfo {
  readonly code: number
  readonly reason: string
}

/**
 * A WebSocket for a stock y-websocket provider (its `WebSocketPolyfill`) that holds every frame
 * until the test lets it through: a real `ws` socket to the real server underneath, a queue
 * each way above it. The provider sees the socket open only when the test calls `open()`, sees
 * a server frame only when the test delivers it, and its own frames reach the server only when
 * the test releases them — so the test, not the network, decides the interleaving.
 */
export class HeldSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3
  /** The provider sets it to 'arraybuffer'; deliveries are ArrayBuffers whatever it says. */
  binaryType = 'arraybuffer'
  /** What the provider sees. */
  readyState = HeldSocket.CONNECTING
  onopen: ((event: object) => void) | null = null
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null
  onclose: ((event: CloseInfo) => void) | null = null
  onerror: ((event: object) => void) | null = null
  /** The real socket. */
  readonly ws: WebSocket
  /** Server frames that have arrived and wait to be delivered to the provider. */
  readonly inbound: Uint8Array[] = []
  /** Provider frames that wait to be released to the server. */
  readonly outbound: Uint8Array[] = []
  /** Resolves true once the real socket is open (the server has accepted it), false if it closed first. */
  readonly opened: Promise<boolean>
  /** Set when the real socket closed without the provider asking (the server closed it). */
  closedByServer: CloseInfo | null = null
  private closing = false

  constructor(url: string, protocols?: string | string[]) {
    this.ws = new WebSocket(url, protocols)
    this.ws.on('message', (data: Buffer) => this.inbound.push(new Uint8Array(data)))
    this.ws.on('error', () => {})
    this.opened = new Promise((resolve) => {
      this.ws.once('open', () => resolve(true))
      this.ws.once('close', (code: number, reason: Buffer) => {
        if (!this.closing) this.closedByServer = { code, reason: reason.toString() }
        resolve(false)
      })
    })
  }

  /** Tells the provider the socket is open: it queues its sync step 1 and awareness. */
  open(): void {
    if (this.readyState !== HeldSocket.CONNECTING) return
    this.readyState = HeldSocket.OPEN
    this.onopen?.({})
  }

  /** From the provider: held until released. */
  send(data: Uint8Array): void {
    if (this.readyState !== HeldSocket.OPEN) throw new Error('send on a socket that is not open')
    this.outbound.push(data.slice())
  }

  /**
   * From the provider (disconnect): what it had sent goes out first, as on a real socket, then
   * the socket closes; server frames not yet delivered are dropped.
   */
  close(): void {
    if (this.closing) return
    this.closing = true
    this.readyState = HeldSocket.CLOSED
    while (this.releaseOutbound()) {}
    this.inbound.length = 0
    this.ws.close(1000)
  }

  /** Delivers the oldest held server frame to the provider; false if none. */
  deliverInbound(): boolean {
    const frame = this.inbound.shift()
    if (!frame) return false
    const data = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer
    this.onmessage?.({ data })
    return true
  }

  /** Sends the oldest held provider frame to the server; false if none. */
  releaseOutbound(): boolean {
    const frame = this.outbound.shift()
    if (!frame) return false
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame, { binary: true })
    return true
  }

  /** Whether anything waits to be delivered or released. */
  get hasHeld(): boolean {
    return this.inbound.length > 0 || this.outbound.length > 0
  }
}

/**
 * The HeldSocket class to give one group of providers, remembering every socket they open (in
 * order), so the test can find each provider's current one.
 */
export function heldSocketClass(): { readonly WebSocket: typeof globalThis.WebSocket; readonly sockets: HeldSocket[] } {
  const sockets: HeldSocket[] = []
  class TrackedHeldSocket extends HeldSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols)
      sockets.push(this)
    }
  }
  return { WebSocket: TrackedHeldSocket as unknown as typeof globalThis.WebSocket, sockets }
}
