import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { SaveState } from '../../lib/client/connection'
import {
  bindEmbedBridge,
  createEmbedBridge,
  detectHostOrigin,
  type EmbedHandlers,
  type EmbedHostWindow,
  type EmbedSelfWindow,
  embedTargetOrigin,
} from '../../lib/client/embed-bridge'
import { embedContent } from '../../lib/client/embed-content'
import type { Peer } from '../../lib/client/presence'
import { Signal } from '../../lib/client/signal'
import { markdownToJSON, replaceContent } from '../../lib/document'
import { contentFromJSON } from '../../lib/document/validate'
import type { EmbedConnectionStatus, EmbedOrigins } from '../../lib/protocol/embed-messages'
import { formatEmbedOrigins, parseEmbedOrigins } from '../../lib/protocol/embed-messages'
import { ConfigError, parseConfig } from '../../server/config'
import { embedOrigins, frameAncestors, withEmbedPolicy } from '../../server/http/embed-policy'
import { ManualScheduler } from '../helpers/manual-scheduler'

const HOST = 'https://host.example'

/** The frame's window: message listeners, and a way to deliver what some window posted. */
class FakeFrameWindow implements EmbedSelfWindow {
  private readonly listeners = new Set<(event: MessageEvent) => void>()
  addEventListener(_type: 'message', listener: (event: MessageEvent) => void) {
    this.listeners.add(listener)
  }
  removeEventListener(_type: 'message', listener: (event: MessageEvent) => void) {
    this.listeners.delete(listener)
  }
  get listening(): number {
    return this.listeners.size
  }
  deliver(data: unknown, origin: string, source: unknown) {
    const event = { data, origin, source } as MessageEvent
    for (const listener of [...this.listeners]) listener(event)
  }
}

/** The host's window: records what the frame posts and to which target origin. */
class FakeHostWindow implements EmbedHostWindow {
  readonly posted: Array<{ message: Record<string, unknown>; targetOrigin: string }> = []
  postMessage(message: unknown, targetOrigin: string) {
    this.posted.push({ message: message as Record<string, unknown>, targetOrigin })
  }
  types(): string[] {
    return this.posted.map((entry) => String(entry.message.type))
  }
}

function setup(options: { hostOrigin?: string | null; allowed?: EmbedOrigins; handlers?: Partial<EmbedHandlers> } = {}) {
  const frame = new FakeFrameWindow()
  const host = new FakeHostWindow()
  const scheduler = new ManualScheduler()
  const calls: string[] = []
  const bridge = createEmbedBridge({
    docId: 'notes',
    self: frame,
    host,
    hostOrigin: options.hostOrigin === undefined ? HOST : options.hostOrigin,
    allowedOrigins: options.allowed ?? [HOST],
    handlers: {
      content: (format) => `content as ${format}`,
      setUser: (user) => calls.push(`set-user ${user.name} ${user.color ?? '-'}`),
      focus: () => calls.push('focus'),
      ...options.handlers,
    },
    changeDelayMs: 300,
    setTimeout: (callback, ms) => scheduler.delay(ms, callback),
    clearTimeout: (cancel) => (cancel as () => void)(),
  })
  return { frame, host, bridge, scheduler, calls }
}

describe('embed bridge: origins', () => {
  it('sends to the exact host origin when it is allowed, never to *', () => {
    const { host, bridge } = setup()
    bridge.ready()
    expect(host.posted).toEqual([{ message: { type: 'tandem:ready', version: 1, docId: 'notes' }, targetOrigin: HOST }])
  })

  it('is silent towards a host that is not allowed, and does not even listen', () => {
    const { frame, host, bridge } = setup({ hostOrigin: 'https://evil.example' })
    expect(bridge.targetOrigin).toBeNull()
    expect(frame.listening).toBe(0)
    bridge.ready()
    bridge.status('connected')
    bridge.error('Expired', 401, 'the token has expired')
    expect(host.posted).toEqual([])
  })

  it('uses * only when any origin may embed and the host origin is unknown', () => {
    expect(embedTargetOrigin(null, '*')).toBe('*')
    expect(embedTargetOrigin(null, [HOST])).toBeNull()
    expect(embedTargetOrigin(null, [])).toBeNull()
    expect(embedTargetOrigin('https://a.example', '*')).toBe('https://a.example')
    expect(embedTargetOrigin('https://a.example', [])).toBeNull()
    expect(embedTargetOrigin('null', '*')).toBeNull()
  })

  it('ignores messages from another origin or another window', () => {
    const { frame, host, calls } = setup()
    frame.deliver({ type: 'tandem:focus' }, 'https://evil.example', host)
    frame.deliver({ type: 'tandem:focus' }, HOST, new FakeHostWindow())
    frame.deliver({ type: 'tandem:get-content', format: 'text', requestId: 'r1' }, 'https://evil.example', host)
    expect(calls).toEqual([])
    expect(host.posted).toEqual([])
    frame.deliver({ type: 'tandem:focus' }, HOST, host)
    expect(calls).toEqual(['focus'])
  })

  it('in open mode with an unknown host answers only allowed origins (any real one)', () => {
    const { frame, host, calls } = setup({ hostOrigin: null, allowed: '*' })
    frame.deliver({ type: 'tandem:focus' }, 'null', host)
    expect(calls).toEqual([])
    frame.deliver({ type: 'tandem:focus' }, 'https://any.example', host)
    expect(calls).toEqual(['focus'])
  })

  it('reads the host origin from ancestorOrigins, else the referrer; none when not framed', () => {
    const self = { parent: {}, location: { ancestorOrigins: { length: 1, 0: HOST } }, document: { referrer: 'https://other.example/x' } }
    expect(detectHostOrigin(self)).toBe(HOST)
    expect(detectHostOrigin({ parent: {}, location: {}, document: { referrer: 'https://other.example/page?q=1' } })).toBe(
      'https://other.example',
    )
    expect(detectHostOrigin({ parent: {}, location: {}, document: { referrer: '' } })).toBeNull()
    const top: { parent: unknown; location: object; document: { referrer: string } } = {
      parent: null,
      location: {},
      document: { referrer: '' },
    }
    top.parent = top
    expect(detectHostOrigin(top)).toBeNull()
  })
})

describe('embed bridge: requests', () => {
  it('answers get-content with the same requestId and format', () => {
    const { frame, host } = setup()
    frame.deliver({ type: 'tandem:get-content', format: 'markdown', requestId: 'r-7' }, HOST, host)
    expect(host.posted).toEqual([
      { message: { type: 'tandem:content', requestId: 'r-7', format: 'markdown', content: 'content as markdown' }, targetOrigin: HOST },
    ])
  })

  it('reports a bad format or a failing render as request-failed; ignores malformed messages', () => {
    const { frame, host } = setup({
      handlers: {
        content: () => {
          throw new Error('the document is not open yet')
        },
      },
    })
    frame.deliver({ type: 'tandem:get-content', format: 'pdf', requestId: 'a' }, HOST, host)
    frame.deliver({ type: 'tandem:get-content', format: 'text', requestId: 'b' }, HOST, host)
    frame.deliver({ type: 'tandem:get-content', format: 'text' }, HOST, host)
    frame.deliver('tandem:focus', HOST, host)
    frame.deliver({ type: 'something-else' }, HOST, host)
    expect(host.posted.map((entry) => entry.message)).toEqual([
      { type: 'tandem:request-failed', requestId: 'a', message: 'format must be one of json, html, markdown, text' },
      { type: 'tandem:request-failed', requestId: 'b', message: 'the document is not open yet' },
    ])
  })

  it('passes set-user on when the name and colour are valid', () => {
    const { frame, host, calls } = setup()
    frame.deliver({ type: 'tandem:set-user', name: '  Ada  ', color: '#2563eb' }, HOST, host)
    frame.deliver({ type: 'tandem:set-user', name: 'Bob' }, HOST, host)
    frame.deliver({ type: 'tandem:set-user', name: '' }, HOST, host)
    frame.deliver({ type: 'tandem:set-user', name: 'Eve', color: 'red' }, HOST, host)
    frame.deliver({ type: 'tandem:set-user', name: 'x'.repeat(81) }, HOST, host)
    expect(calls).toEqual(['set-user Ada #2563eb', 'set-user Bob -'])
  })

  it('stops listening and sending once destroyed', () => {
    const { frame, host, bridge, calls } = setup()
    bridge.destroy()
    expect(frame.listening).toBe(0)
    frame.deliver({ type: 'tandem:focus' }, HOST, host)
    bridge.ready()
    expect(calls).toEqual([])
    expect(host.posted).toEqual([])
  })
})

describe('embed bridge: reports a connection', () => {
  it('sends status, saved and presence on change only, and changes debounced', () => {
    const { host, bridge, scheduler } = setup()
    const doc = new Y.Doc()
    const status = new Signal<EmbedConnectionStatus>('connecting')
    const saveState = new Signal<SaveState>('saved')
    const peers = new Signal<Peer[]>([{ clientId: 1, personKey: 'id:ada', name: 'Ada', color: '#2563eb', since: 0, isLocal: true }])
    const unbind = bindEmbedBridge(bridge, { doc, status, saveState, peers })
    status.set('connected')
    saveState.set('saving')
    saveState.set('offline')
    peers.set([
      { clientId: 1, personKey: 'id:ada', name: 'Ada', color: '#2563eb', since: 0, isLocal: true },
      { clientId: 2, personKey: 'id:ada', name: 'Ada', color: '#2563eb', since: 0, isLocal: false },
    ])
    peers.set([
      { clientId: 1, personKey: 'id:ada', name: 'Ada', color: '#2563eb', since: 0, isLocal: true },
      { clientId: 3, personKey: 'id:bob', name: 'Bob', color: '#2f855a', since: 0, isLocal: false },
    ])
    doc.getText('t').insert(0, 'a')
    doc.getText('t').insert(1, 'b')
    expect(host.types()).toEqual(['tandem:status', 'tandem:saved', 'tandem:presence', 'tandem:status', 'tandem:saved', 'tandem:presence'])
    expect(host.posted.map((entry) => entry.message).slice(3)).toEqual([
      { type: 'tandem:status', status: 'connected' },
      { type: 'tandem:saved', saved: false },
      {
        type: 'tandem:presence',
        people: [
          { name: 'Ada', color: '#2563eb' },
          { name: 'Bob', color: '#2f855a' },
        ],
      },
    ])
    expect(scheduler.runTimerUntil(299)).toBe(false)
    expect(scheduler.runTimerUntil(300)).toBe(true)
    expect(host.types().at(-1)).toBe('tandem:change')
    expect(host.posted.at(-1)?.message).toEqual({ type: 'tandem:change' })
    unbind()
    doc.getText('t').insert(0, 'c')
    status.set('offline')
    expect(scheduler.runTimerUntil(10_000)).toBe(false)
    expect(host.types().filter((type) => type === 'tandem:change')).toHaveLength(1)
  })

  it('renders content from a Y.Doc in every format', () => {
    const doc = new Y.Doc()
    replaceContent(doc, contentFromJSON(markdownToJSON('# Plan\n\nShip **it**.')))
    expect(embedContent(doc, 'markdown')).toBe('# Plan\n\nShip **it**.')
    expect(embedContent(doc, 'text')).toBe('Plan\nShip it.')
    expect(embedContent(doc, 'html')).toBe('<h1>Plan</h1><p>Ship <strong>it</strong>.</p>')
    expect(embedContent(doc, 'json')).toMatchObject({ type: 'doc', content: [{ type: 'heading' }, { type: 'paragraph' }] })
  })
})

describe('embed origins policy', () => {
  it('[H10] lists win; without a list any origin in open mode and none with auth', () => {
    expect(embedOrigins({ embedOrigins: [HOST], authEnabled: true })).toEqual([HOST])
    expect(embedOrigins({ embedOrigins: [], authEnabled: false })).toBe('*')
    expect(embedOrigins({ embedOrigins: [], authEnabled: true })).toEqual([])
    expect(frameAncestors([HOST, 'http://localhost:8080'])).toBe(`frame-ancestors ${HOST} http://localhost:8080`)
    expect(frameAncestors('*')).toBe('frame-ancestors *')
    expect(frameAncestors([])).toBe("frame-ancestors 'none'")
  })

  it('round-trips through the header, and an absent or odd header means none', () => {
    expect(parseEmbedOrigins(formatEmbedOrigins([HOST, 'http://a.test:81']))).toEqual([HOST, 'http://a.test:81'])
    expect(parseEmbedOrigins(formatEmbedOrigins('*'))).toBe('*')
    expect(parseEmbedOrigins(null)).toEqual([])
    expect(parseEmbedOrigins('')).toEqual([])
    expect(parseEmbedOrigins(`* ${HOST}`)).toEqual([HOST])
  })

  it('TANDEM_EMBED_ORIGINS takes exact origins and refuses anything else at start', () => {
    expect(parseConfig([], {}).embedOrigins).toEqual([])
    expect(parseConfig([], { TANDEM_EMBED_ORIGINS: `${HOST}, http://localhost:8080` }).embedOrigins).toEqual([
      HOST,
      'http://localhost:8080',
    ])
    expect(parseConfig(['--embed-origins', HOST], {}).embedOrigins).toEqual([HOST])
    for (const bad of ['*', 'https://host.example/', 'host.example', 'ftp://host.example', 'https://*.example.com']) {
      expect(() => parseConfig([], { TANDEM_EMBED_ORIGINS: bad })).toThrow(ConfigError)
    }
    expect(() => parseConfig([], { TANDEM_EMBED_ORIGINS: 'https://host.example/' })).toThrow(
      /is not an origin such as https:\/\/app.example.com/,
    )
  })

  it('[H10] sets frame-ancestors and the origins header on /embed/* only, and drops a client copy of the header', async () => {
    const seen: Array<string | undefined> = []
    const server = http.createServer(
      withEmbedPolicy([HOST], (req, res) => {
        seen.push(req.headers['x-tandem-embed-origins'] as string | undefined)
        res.end('ok')
      }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const forged = { 'x-tandem-embed-origins': '*' }
      const embed = await fetch(`${base}/embed/notes?theme=dark`, { headers: forged })
      const page = await fetch(`${base}/d/notes`, { headers: forged })
      const lookalike = await fetch(`${base}/embedded/notes`)
      expect(embed.headers.get('content-security-policy')).toBe(`frame-ancestors ${HOST}`)
      expect(page.headers.get('content-security-policy')).toBeNull()
      expect(lookalike.headers.get('content-security-policy')).toBeNull()
      expect(seen).toEqual([HOST, undefined, undefined])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
