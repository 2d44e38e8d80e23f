import type { Duplex } from 'node:stream'

/**
 * Why an upgrade is turned away before any WebSocket exists. One shape for every check (the
 * document id, auth, origin, admission limits, shutdown): the HTTP status the client gets, a
 * stable label for `tandem_connections_rejected_total{reason}`, and a line of text for humans.
 */
export interface Refusal {
  readonly status: number
  /** Metric label: an auth failure name, a limit kind, or a snake_case reason. */
  readonly reason: string
  readonly message: string
}

export function isRefusal(value: unknown): value is Refusal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Refusal).status === 'number' &&
    typeof (value as Refusal).reason === 'string' &&
    typeof (value as Refusal).message === 'string'
  )
}

/** Writes the refusal as a plain HTTP response on a socket that asked to upgrade, then ends it. */
export function rejectUpgrade(socket: Duplex, refusal: Refusal): void {
  const body = `${refusal.message}\n`
  socket.end(
    `HTTP/1.1 ${refusal.status} ${httpStatusText(refusal.status)}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

function httpStatusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  }
  return texts[status] ?? 'Error'
}
