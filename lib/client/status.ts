/**
 * Connection status as people see it. The provider retries forever with backoff; once a
 * connection has been lost (or the first attempt failed) we say "offline" until a socket is
 * open again, rather than flickering between "connecting" and "offline" on every retry.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'offline'

export type ConnectionEvent =
  /** a socket is being opened */
  | 'attempt'
  /** the socket is open */
  | 'open'
  /** the socket closed or failed to open */
  | 'close'

export function nextStatus(previous: ConnectionStatus, event: ConnectionEvent): ConnectionStatus {
  switch (event) {
    case 'open':
      return 'connected'
    case 'close':
      return 'offline'
    case 'attempt':
      return previous === 'offline' ? 'offline' : 'connecting'
    default: {
      const unreachable: never = event
      return unreachable
    }
  }
}
