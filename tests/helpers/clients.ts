import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { waitFor } from './wait'

/** A stock y-websocket client, exactly as an app would create one (plus Node's WebSocket). */
export interface TestClient {
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  destroy(): void
}

export function connectClient(serverUrl: string, docId: string, doc = new Y.Doc(), params: Record<string, string> = {}): TestClient {
  const provider = new WebsocketProvider(serverUrl, docId, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params,
  })
  return {
    doc,
    provider,
    destroy() {
      provider.destroy()
      doc.destroy()
    },
  }
}

export async function connectSynced(
  serverUrl: string,
  docId: string,
  doc = new Y.Doc(),
  params: Record<string, string> = {},
): Promise<TestClient> {
  const client = connectClient(serverUrl, docId, doc, params)
  await waitFor(() => client.provider.synced, `client of ${docId} to sync`)
  return client
}

/** Names of the users whose awareness states a client currently sees (other than itself). */
export function peerNames(client: Pick<TestClient, 'doc' | 'provider'>): string[] {
  const names: string[] = []
  for (const [clientId, state] of client.provider.awareness.getStates()) {
    if (clientId === client.doc.clientID) continue
    const user = (state as { user?: { name?: string } }).user
    if (user?.name) names.push(user.name)
  }
  return names.sort()
}
