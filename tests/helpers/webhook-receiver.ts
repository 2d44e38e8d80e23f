import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a receiver got: the Standard Webhooks headers, the raw body, when it came. */
export interface ReceivedWebhook {
  readonly id: string
  readonly timestamp: string
  readonly signature: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly payload: { type: string; timestamp: string; data: Record<string, unknown> & { documentId: string } }
  /** When it came, by the receiver's clock (`now`). */
  readonly receivedAt: number
}

/** How the receiver answers one request: a status, or never (to make the sender time out). */
export type Answer = number | 'hang'

export interface WebhookReceiver {
  readonly url: string
  readonly port: number
  readonly received: ReceivedWebhook[]
  /** Answers of the next requests, in order; once used up, 200. */
  answers: Answer[]
  /** The received payloads of one type, for one document. */
  of(type: string, docId?: string): ReceivedWebhook[]
  close(): Promise<void>
}

/**
 * A real HTTP receiver on loopback (port 0, or the one given). `now` stamps what it receives:
 * a test on a manual clock passes the server's, to see when on that clock each request came.
 */
export async function startReceiver(port = 0, now: () => number = Date.now): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const hanging = new Set<http.ServerResponse>()
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received,
    answers: [],
    of: (type, docId) => received.filter((r) => r.payload.type === type && (docId === undefined || r.payload.data.documentId === docId)),
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const headers = Object.fromEntries(Object.entries(req.headers).map(([key, value]) => [key, String(value)]))
      received.push({
        id: headers['webhook-id'] ?? '',
        timestamp: headers['webhook-timestamp'] ?? '',
        signature: headers['webhook-signature'] ?? '',
        headers,
        body,
        payload: JSON.parse(body),
        receivedAt: now(),
      })
      const answer = receiver.answers.shift() ?? 200
      if (answer === 'hang') {
        hanging.add(res)
        return
      }
      res.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const bound = (server.address() as AddressInfo).port
  Object.assign(receiver, { url: `http://127.0.0.1:${bound}/hook`, port: bound })
  return receiver
}

/** A loopback port that nothing listens on right now (for a receiver that is down). */
export async function freePort(): Promise<number> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
