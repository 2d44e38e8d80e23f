// @vitest-environment jsdom
import { act, StrictMode, useEffect } from 'react'
import { createRoot, type Root } from 'react-dom/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TITLE_FIELD } from '../../lib/protocol/document-fields'
import { TandemDocProvider, useConnectionStatus, useDoc, usePresence, useSaveState } from '../../lib/react'
import { startAppServer, type AppServer } from '../helpers/app-server'

/**
 * The React provider under StrictMode (mount → unmount → mount) in jsdom, whose WebSocket is a
 * real one, against the real server: exactly one socket stays open, and none after unmount.
 */
let server: AppServer

beforeAll(async () => {
  server = await startAppServer()
})

afterAll(async () => {
  await server?.stop()
})

/**
 * Counts sockets on the client: jsdom's WebSocket (a real one) wrapped so we know how many are
 * open. y-websocket looks up the global WebSocket when a provider is constructed.
 */
const live = new Set<WebSocket>()
let created = 0
const NativeWebSocket = globalThis.WebSocket
class CountingWebSocket extends NativeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols)
    created++
    live.add(this)
    this.addEventListener('close', () => live.delete(this))
  }
}
globalThis.WebSocket = CountingWebSocket as typeof WebSocket

async function openConnections(): Promise<number> {
  return [...live].filter((ws) => ws.readyState === NativeWebSocket.OPEN || ws.readyState === NativeWebSocket.CONNECTING).length
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
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

describe('TandemDocProvider', () => {
  it('is StrictMode-safe: one socket while mounted, none after unmount; hooks report live state', async () => {
    const container = document.createElement('div')
    document.body.append(container)
    const seen: Seen = {}
    let root: Root | null = null
    const serverUrl = server.url.replace('http:', 'ws:') + '/collab'
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
    await until(() => seen.status === 'connected')
    expect(seen.names).toEqual(['Strict'])
    // StrictMode mounted twice: two providers were created, the first one's socket closed.
    expect(created).toBe(2)
    // The first StrictMode mount's socket was closed by its cleanup.
    await until(async () => (await openConnections()) === 1)
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300))
    })
    expect(await openConnections()).toBe(1)

    await act(async () => seen.edit?.())
    await until(() => seen.save === 'saved')
    const meta = (await (await fetch(`${server.url}/api/docs/react-strict`)).json()) as { title?: string }
    expect(meta.title).toBe('From React')

    await act(async () => root?.unmount())
    await until(async () => (await openConnections()) === 0)
  })
})
