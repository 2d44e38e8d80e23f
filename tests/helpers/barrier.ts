import * as Y from 'yjs'
import { writeSyncStep1 } from '../../lib/protocol'
import type { TestClient } from './clients'

/**
 * Sends `request` on the client's own socket and resolves at the first frame `isAnswer` takes.
 * Messages on one connection are handled in order, so the answer proves that everything the
 * client sent before was handled, and whatever the server sent before the answer has arrived.
 */
function roundTrip(client: TestClient, request: Uint8Array, isAnswer: (frame: Uint8Array) => boolean): Promise<void> {
  const ws = client.provider.ws
  if (!ws) return Promise.reject(new Error('the client is not connected'))
  return new Promise((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      if (!isAnswer(new Uint8Array(event.data as ArrayBuffer))) return
      ws.removeEventListener('message', onMessage)
      ws.removeEventListener('close', onClose)
      resolve()
    }
    const onClose = () => reject(new Error('the connection closed before the server answered'))
    ws.addEventListener('message', onMessage)
    ws.addEventListener('close', onClose)
    ws.send(request as Uint8Array<ArrayBuffer>)
  })
}

/**
 * A round trip through the server, for "this did not happen" checks without sleeping. The
 * client sends sync step 1; the server answers with sync step 2 only once nothing is pending
 * (D5), after relaying every committed update. So when the answer arrives, every update the
 * server accepted before it read this request — from any connection — has reached this client.
 */
export function serverRoundTrip(client: TestClient): Promise<void> {
  const isSyncStep2 = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 1
  return roundTrip(client, writeSyncStep1(Y.encodeStateVector(client.doc)), isSyncStep2)
}

/**
 * A round trip that does NOT wait for commits: the client asks for presence (message 3) and
 * the server answers at once with every presence state it holds (the asking client's own one
 * included, so the answer is never empty once the client announced itself).
 */
export function presenceRoundTrip(client: TestClient): Promise<void> {
  return roundTrip(client, new Uint8Array([3]), (frame) => frame[0] === 1)
}
