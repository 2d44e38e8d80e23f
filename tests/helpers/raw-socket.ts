import { WebSocket } from 'ws'

/**
 * A bare WebSocket for abuse tests: sends hand-built frames and records what comes back and
 * how the server closed the connection.
 */
export interface RawSocket {
  readonly ws: WebSocket
  readonly received: Uint8Array[]
  /** Resolves with the close code and reason the client saw. */
  readonly closed: Promise<{ code: number; reason: string }>
  send(frame: Uint8Array | string): void
}

export async function openRaw(url: string): Promise<RawSocket> {
  const ws = new WebSocket(url)
  const received: Uint8Array[] = []
  ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)))
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  ws.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
  return {
    ws,
    received,
    closed,
    send(frame) {
      ws.send(frame, { binary: typeof frame !== 'string' })
    },
  }
}

/** Attempts an upgrade and returns the HTTP status the server answered with instead. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('open', () => {
      resolve(101)
      ws.close()
    })
    ws.on('error', (err) => {
      if (ws.readyState === WebSocket.CLOSED) return
      reject(err)
    })
  })
}
