import type { WebSocket } from 'ws'
import type * as Y from 'yjs'
import type { TestClient } from './clients'

/**
 * How long an event-based wait may take before the test fails. A safety net against a hang:
 * it never decides an outcome, because every wait below ends on the event it waits for.
 */
const HANG_MS = 10_000

/**
 * Resolves once `holds()` is true, checking it now and again each time `subscribe`'s source
 * reports a change (no polling). `subscribe` returns its unsubscribe function.
 */
function whenTrue(holds: () => boolean, subscribe: (changed: () => void) => () => void, what: string): Promise<void> {
  if (holds()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    let unsubscribe = (): void => {}
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`no ${what} within ${HANG_MS} ms`))
    }, HANG_MS)
    unsubscribe = subscribe(() => {
      if (!holds()) return
      clearTimeout(timer)
      unsubscribe()
      resolve()
    })
  })
}

/** Resolves once `holds()` is true, re-checked on every message the socket receives and on its close. */
export function whenReceived(ws: WebSocket, holds: () => boolean, what: string): Promise<void> {
  return whenTrue(
    holds,
    (changed) => {
      ws.on('message', changed)
      ws.on('close', changed)
      return () => {
        ws.off('message', changed)
        ws.off('close', changed)
      }
    },
    what,
  )
}

/** Resolves once `holds()` is true, re-checked after every update of `doc`. */
export function whenDoc(doc: Y.Doc, holds: () => boolean, what: string): Promise<void> {
  return whenTrue(
    holds,
    (changed) => {
      doc.on('update', changed)
      return () => doc.off('update', changed)
    },
    what,
  )
}

/** Resolves once `holds()` is true, re-checked after every presence update a stock client applies (its own or received). */
export function whenPresence(client: TestClient, holds: () => boolean, what: string): Promise<void> {
  return whenTrue(
    holds,
    (changed) => {
      client.provider.awareness.on('update', changed)
      return () => client.provider.awareness.off('update', changed)
    },
    what,
  )
}

/** Resolves once a stock client has synced. */
export function whenSynced(client: TestClient, what = 'the client to sync'): Promise<void> {
  return whenTrue(
    () => client.provider.synced,
    (changed) => {
      client.provider.on('sync', changed)
      return () => client.provider.off('sync', changed)
    },
    what,
  )
}

let pings = 0

/**
 * A WebSocket ping and its pong: resolves true once the server has read every frame this
 * socket sent before (the pong comes back behind whatever the server sent before reading the
 * ping, so those frames have been received too), or false if the socket closes first. A server
 * that stops reading the socket (a throttle that never lets go) fails it after the hang net.
 */
export function roundTrip(ws: WebSocket): Promise<boolean> {
  if (ws.readyState !== ws.OPEN) return Promise.resolve(false)
  const payload = Buffer.from(`round-trip-${++pings}`)
  return new Promise((resolve, reject) => {
    const onPong = (data: Buffer): void => {
      if (!payload.equals(data)) return
      done(true)
    }
    const onClose = (): void => done(false)
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`no pong within ${HANG_MS} ms`))
    }, HANG_MS)
    const unsubscribe = (): void => {
      clearTimeout(timer)
      ws.off('pong', onPong)
      ws.off('close', onClose)
    }
    const done = (answered: boolean): void => {
      unsubscribe()
      resolve(answered)
    }
    ws.on('pong', onPong)
    ws.on('close', onClose)
    ws.ping(payload)
  })
}

/** The `ws` socket under a stock client (the tests give y-websocket Node's `ws` as its WebSocket). */
export function socketOf(client: TestClient): WebSocket {
  const ws = client.provider.ws
  if (!ws) throw new Error('the client has no socket')
  return ws as unknown as WebSocket
}
