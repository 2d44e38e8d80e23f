import { createServer, type Server, Socket } from 'node:net'

/**
 * A TCP proxy on loopback in front of a real server that can drop the network without telling
 * anyone: `cut()` stops forwarding in both directions and closes nothing, so both ends keep an
 * open socket that simply goes quiet (what a pulled cable, a sleeping laptop or a proxy that
 * swallows the connection looks like). Bytes that arrive while cut are read and thrown away,
 * as a dead link would lose them. `restore()` forwards again (for new and old connections).
 */
export interface BlackholeProxy {
  /** ws://127.0.0.1:PORT (or http://): the proxy's own address. */
  readonly port: number
  /**
   * Stops forwarding: 'both' ways (a dropped network), or only 'down' (server to client) or
   * 'up' (client to server), as a half-broken proxy or NAT does.
   */
  cut(direction?: 'both' | 'down' | 'up'): void
  /**
   * A network that fails loudly instead (the machine is offline, the host unreachable): every
   * open connection is reset and new ones are reset at once.
   */
  refuse(): void
  restore(): void
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>
}

export async function startBlackholeProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<BlackholeProxy> {
  let cutDown = false
  let cutUp = false
  let refusing = false
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server: Server = createServer((client) => {
    if (refusing) {
      client.on('error', () => {})
      client.resetAndDestroy()
      return
    }
    track(client)
    const upstream = new Socket()
    track(upstream)
    const forward = (from: Socket, to: Socket, isCut: () => boolean) => {
      from.on('data', (chunk: Buffer) => {
        if (!isCut()) to.write(chunk)
      })
      from.on('end', () => {
        if (!isCut()) to.end()
      })
      from.on('close', () => {
        if (!isCut()) to.destroy()
      })
    }
    forward(client, upstream, () => cutUp)
    forward(upstream, client, () => cutDown)
    upstream.connect(targetPort, targetHost)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    port: address.port,
    cut(direction = 'both') {
      cutDown = direction !== 'up'
      cutUp = direction !== 'down'
    },
    refuse() {
      refusing = true
      for (const socket of sockets) socket.resetAndDestroy()
    },
    restore() {
      refusing = false
      cutDown = false
      cutUp = false
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
