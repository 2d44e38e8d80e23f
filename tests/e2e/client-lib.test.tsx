// @vitest-environment jsdom
import { act, StrictMode, useEffect } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import NodeWebSocket from 'ws'
import { createConnection, type SaveState, type TandemConnection } from '../../lib/client/connection'
import type { ReadonlySignal } from '../../lib/client/signal'
import { type CollaborativeEditorHandle, createCollaborativeEditor } from '../../lib/editor/create-editor'
import { CONTENT_FIELD, TITLE_FIELD } from '../../lib/protocol/document-fields'
import { TandemDocProvider, useConnectionStatus, useDoc, usePresence, useSaveState } from '../../lib/react'
import { type AppServer, freePort, startAppServer } from '../helpers/app-server'

/**
 * lib/ without a browser, against the real `npm start` process (one server for the file):
 * the connection wrapper in Node (status, saved state, presence, final closes), the
 * framework-free editor factory and the React provider in jsdom (whose WebSocket is real).
 */
let server: AppServer
const connections: TandemConnection[] = []
const handles: CollaborativeEditorHandle[] = []

beforeAll(async () => {
  server = await startAppServer()
})

afterAll(async () => {
  for (const handle of handles) handle.destroy()
  for (const connection of connections) connection.destroy()
  await server?.stop()
})

const collabUrl = () => `${server.url.replace('http:', 'ws:')}/collab`

function connect(docId: string, name: string, url = collabUrl()): TandemConnection {
  const connection = createConnection({
    docId,
    serverUrl: url,
    user: { name, color: '#2563eb' },
    WebSocketPolyfill: NodeWebSocket as unknown as typeof globalThis.WebSocket,
  })
  connections.push(connection)
  return connection
}

function waitFor<T>(signal: ReadonlySignal<T>, predicate: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  if (predicate(signal.value)) return Promise.resolve(signal.value)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out; last value ${JSON.stringify(signal.value)}`))
    }, timeoutMs)
    const unsubscribe = signal.subscribe((value) => {
      if (!predicate(value)) return
      clearTimeout(timer)
      unsubscribe()
      resolve(value)
    })
  })
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const docId = (label: string) => `lib-${label}-${Date.now().toString(36)}`

function openEditor(name: string, docId: string): CollaborativeEditorHandle {
  const element = document.createElement('div')
  document.body.append(element)
  const handle = createCollaborativeEditor({
    element,
    docId,
    serverUrl: collabUrl(),
    user: { name, color: '#0b7285' },
  })
  handles.push(handle)
  return handle
}

/**
 * Counts sockets on the client: jsdom's WebSocket (a real one) wrapped so we know how many are
 * open. y-websocket looks up the global WebSocket when a provider is constructed.
 */
const sockets: WebSocket[] = []
const NativeWebSocket = globalThis.WebSocket
class CountingWebSocket extends NativeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols)
    sockets.push(this)
  }
}
globalThis.WebSocket = CountingWebSocket as typeof WebSocket

/** Sockets opened since index `from` that are still open or opening. */
async function openConnections(from: number): Promise<number> {
  return sockets.slice(from).filter((ws) => ws.readyState === NativeWebSocket.OPEN || ws.readyState === NativeWebSocket.CONNECTING).length
}

async function untilAct(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 25))
    })
  }
}

interface Seen {
  status?: string
  save?: string
  names?: string[]
  edit?: () => void
}

function Probe({ seen }: { seen: Seen }) {
  const status = useConnectionStatus()
  const save = useSaveState()
  const peers = usePresence()
  const doc = useDoc()
  seen.status = status
  seen.save = save
  seen.names = peers.map((p) => p.name)
  useEffect(() => {
    seen.edit = doc ? () => doc.doc.getText(TITLE_FIELD).insert(0, 'From React') : undefined
  }, [doc, seen])
  return null
}

describe('connection wrapper against the real server', () => {
  it('status goes connecting → connected; saved follows server echoes for inserts and deletions', async () => {
    const a = connect(docId('save'), 'Ada')
    expect(a.status.value).toBe('connecting')
    await waitFor(a.status, (s) => s === 'connected')
    await waitFor(a.synced, (s) => s)
    expect(a.saveState.value).toBe('saved')

    const seen: SaveState[] = []
    a.saveState.subscribe((s) => seen.push(s))
    const text = a.doc.getXmlFragment(CONTENT_FIELD)
    a.doc.getText(TITLE_FIELD).insert(0, 'Notes')
    expect(a.saveState.value).toBe('saving')
    await waitFor(a.saveState, (s) => s === 'saved')
    expect(seen).toEqual(['saving', 'saved'])
    expect(text.length).toBe(0)

    // A deletion advances no clock: it must still wait for the server.
    a.doc.getText(TITLE_FIELD).delete(0, 2)
    expect(a.saveState.value).toBe('saving')
    await waitFor(a.saveState, (s) => s === 'saved')

    // And it really is stored: the REST API reads the title from the stored document.
    const meta = (await (await fetch(`${server.url}/api/docs/${a.docId}`)).json()) as { title: string }
    expect(meta.title).toBe('tes')
  })

  it('presence: peers see each other, renames, and leaving', async () => {
    const id = docId('presence')
    const a = connect(id, 'Ada')
    const b = connect(id, 'Bob')
    await waitFor(a.peers, (p) => p.some((x) => x.name === 'Bob'))
    await waitFor(b.peers, (p) => p.some((x) => x.name === 'Ada'))
    expect(a.peers.value[0]).toMatchObject({ name: 'Ada', isLocal: true })

    b.setUser({ name: 'Robert', color: '#be185d' })
    await waitFor(a.peers, (p) => p.some((x) => x.name === 'Robert' && x.color === '#be185d'))

    const leftAt = Date.now()
    b.destroy()
    await waitFor(a.peers, (p) => p.length === 1, 1_000)
    expect(Date.now() - leftAt).toBeLessThan(1_000)
    // The feed says "left" once the default 15-second grace period has passed (a reload is no departure).
    await waitFor(a.activity, (entries) => entries.some((e) => e.kind === 'left' && e.name === 'Robert'), 40_000)
  }, 60_000)

  it('offline when nothing answers; with no local copy (Node has no IndexedDB) changes are "not saved"', async () => {
    const port = await freePort()
    const c = connect(docId('nobody'), 'Ada', `ws://127.0.0.1:${port}/collab`)
    await waitFor(c.status, (s) => s === 'offline')
    c.doc.getText(TITLE_FIELD).insert(0, 'x')
    expect(c.localCopy.value).toBe('unavailable')
    expect(c.saveState.value).toBe('not-saved')
    expect(c.pendingChanges.value).toBe(1)
  })

  it('deleting the document ends the session for good (no reconnect loop)', async () => {
    const id = docId('deleted')
    expect(
      (await fetch(`${server.url}/api/docs/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    ).toBe(201)
    const a = connect(id, 'Ada')
    await waitFor(a.synced, (s) => s)
    const response = await fetch(`${server.url}/api/docs/${a.docId}`, { method: 'DELETE' })
    expect(response.status).toBe(204)
    const reason = await waitFor(a.closedReason, (r) => r !== null)
    expect(reason?.code).toBe(4404)
    expect(a.status.value).toBe('offline')
    // No reconnect is scheduled to go anywhere: still offline a while later.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(a.status.value).toBe('offline')
    expect(a.provider.shouldConnect).toBe(false)
  })
})

describe('createCollaborativeEditor', () => {
  it('syncs two editors, carries presence, and undoes only local changes', async () => {
    const docId = `factory-${Date.now().toString(36)}`
    const a = openEditor('Ada', docId)
    const b = openEditor('Bob', docId)
    await waitFor(a.connection.synced, (s) => s)
    await waitFor(b.connection.synced, (s) => s)
    expect(a.editor.getHTML()).toBe('<p></p>')

    a.editor.commands.insertContent('Hello from Ada')
    await until(() => b.editor.getText().includes('Hello from Ada'))
    await waitFor(a.connection.saveState, (s) => s === 'saved')

    // Wait past the undo manager's 500 ms capture window so Bob's edit is a separate step.
    await new Promise((resolve) => setTimeout(resolve, 600))
    b.editor.commands.setTextSelection(b.editor.state.doc.content.size - 1)
    b.editor.commands.insertContent(' and Bob')
    await until(() => a.editor.getText().includes('Hello from Ada and Bob'))

    // Ada's undo removes her own text only; Bob's survives everywhere.
    expect(a.editor.commands.undo()).toBe(true)
    await until(() => !b.editor.getText().includes('Hello from Ada'))
    expect(b.editor.getText()).toContain('and Bob')
    expect(a.editor.getText().trim()).toBe('and Bob')

    // Presence: both see both, with the names the carets use.
    await waitFor(a.connection.peers, (p) => p.map((x) => x.name).join() === 'Ada,Bob')
    expect(a.editor.storage.collaborationCaret.users.map((u) => String(u.name)).sort()).toEqual(['Ada', 'Bob'])

    // The content lives in the shared fragment, never in the editor's initial content.
    expect(a.connection.doc.getXmlFragment(CONTENT_FIELD).toString()).toContain('and Bob')

    b.destroy()
    await waitFor(a.connection.peers, (p) => p.length === 1, 1_000)
    expect(b.editor.isDestroyed).toBe(true)
  })
})
describe('TandemDocProvider', () => {
  it('is StrictMode-safe: one socket while mounted, none after unmount; hooks report live state', async () => {
    const container = document.createElement('div')
    document.body.append(container)
    const seen: Seen = {}
    const createdBefore = sockets.length
    let root: Root | null = null
    const serverUrl = `${server.url.replace('http:', 'ws:')}/collab`
    await act(async () => {
      root = createRoot(container)
      root.render(
        <StrictMode>
          <TandemDocProvider docId="react-strict" serverUrl={serverUrl} user={{ name: 'Strict', color: '#2563eb' }}>
            <Probe seen={seen} />
          </TandemDocProvider>
        </StrictMode>,
      )
    })
    await untilAct(() => seen.status === 'connected')
    expect(seen.names).toEqual(['Strict'])
    // StrictMode mounted twice: two connections were created, but a connection opens its socket
    // only after its local copy has loaded (here: found unavailable, a microtask later), so the
    // first one was destroyed before it had a socket.
    expect(sockets.length - createdBefore).toBe(1)
    // The first StrictMode mount's socket was closed by its cleanup.
    await untilAct(async () => (await openConnections(createdBefore)) === 1)
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
    })
    expect(await openConnections(createdBefore)).toBe(1)

    await act(async () => seen.edit?.())
    await untilAct(() => seen.save === 'saved')
    const meta = (await (await fetch(`${server.url}/api/docs/react-strict`)).json()) as { title?: string }
    expect(meta.title).toBe('From React')

    await act(async () => root?.unmount())
    await untilAct(async () => (await openConnections(createdBefore)) === 0)
  })
})
