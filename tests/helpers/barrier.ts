import * as Y from 'yjs'
import { writeSyncStep1 } from '../../lib/protocol'
import type { TestClient } from './clients'

/**
 * A round trip through the server on this client's connection, for "this did not happen"
 * checks without sleeping. The client sends sync step 1; the server answers with sync step 2
 * only once nothing is pending (D5), after relaying every committed update. So when the answer
 * arrives, every update the server accepted before it read this request — from any connection —
 * has already reached this client.
 */
export function serverRoundTrip(client: TestClient): Promise<void> {
  const ws = client.provider.ws
  if (!ws) return Promise.reject(new Error('the client is not connected'))
  return new Promise((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      const data = new Uint8Array(event.data as ArrayBuffer)
      if (data[0] !== 0 || data[1] !== 1) return
      ws.removeEventListener('message', onMessage)
      ws.removeEventListener('close', onClose)
      resolve()
    }
    const onClose = () => reject(new Error('the connection closed before the server answered'))
    ws.addEventListener('message', onMessage)
    ws.addEventListener('close', onClose)
    ws.send(writeSyncStep1(Y.encodeStateVector(client.doc)) as Uint8Array<ArrayBuffer>)
  })
}

/**
 * A round trip that does NOT wait for commits: the client asks for presence (message 3) and
 * the server answers at once with every presence state it holds (the asking client's own one
 * included, so the answer never is empty once the client announced itself). Messages on one
 * connection are handled in order, so when the answer arrives, everything the client sent
 * before has been handled, and whatever the server sent in reply to it has arrived first.
 */
export function presenceRoundTrip(client: TestClient): Promise<void> {
  const ws = client.provider.ws
  if (!ws) return Promise.reject(new Error('the client is not connected'))
  return new Promise((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      if (new Uint8Array(event.data as ArrayBuffer)[0] !== 1) return
      ws.removeEventListener('message', onMessage)
      ws.removeEventListener('close', onClose)
      resolve()
    }
    const onClose = () => reject(new Error('the connection closed before the server answered'))
    ws.addEventListener('message', onMessage)
    ws.addEventListener('close', onClose)
    ws.send(new Uint8Array([3]) as Uint8Array<ArrayBuffer>)
  })
}
