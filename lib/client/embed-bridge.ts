/**
 * The frame's side of the embed postMessage API (vocabulary: lib/protocol/embed-messages.ts).
 *
 * Who may listen decides everything here: a message goes only to the host's exact origin, and
 * only when that origin is allowed (`TANDEM_EMBED_ORIGINS`; any origin only without auth). The
 * host's origin is what the browser says about the embedding page (`location.ancestorOrigins`,
 * else the referrer's origin), never what a message claims. Messages from any other window or
 * origin are dropped unread. With no allowed host the bridge is silent: it neither sends nor
 * listens.
 *
 * Framework-free: windows are passed in, so unit tests drive it with a fake pair.
 */
import type * as Y from 'yjs'
import {
  EMBED_PROTOCOL_VERSION,
  type EmbedConnectionStatus,
  type EmbedContentFormat,
  type EmbedErrorReason,
  type EmbedIncomingMessage,
  type EmbedOrigins,
  type EmbedOutgoingMessage,
  type EmbedPerson,
  embedOriginAllowed,
  parseEmbedIncoming,
} from '../protocol/embed-messages'
import type { SaveState } from './connection'
import { groupPeople, type Peer } from './presence'
import type { ReadonlySignal } from './signal'

/** The frame's own window, as far as the bridge needs it. */
export interface EmbedSelfWindow {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
}

/** The host's window (`window.parent`). */
export interface EmbedHostWindow {
  postMessage(message: unknown, targetOrigin: string): void
}

export interface EmbedHandlers {
  /** The document in `format`; may throw (answered with `tandem:request-failed`). */
  content(format: EmbedContentFormat): unknown
  setUser(user: { name: string; color?: string }): void
  focus(): void
}

export interface EmbedBridgeOptions {
  docId: string
  self: EmbedSelfWindow
  host: EmbedHostWindow
  /** The embedding page's origin as the browser reports it (see `detectHostOrigin`); null: unknown. */
  hostOrigin: string | null
  allowedOrigins: EmbedOrigins
  handlers: EmbedHandlers
  /** `tandem:change` is sent at most once per this many ms, after the last change (default 500). */
  changeDelayMs?: number
  setTimeout?: (callback: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
}

export interface EmbedBridge {
  /** The origin messages go to, '*' (open mode, host origin unknown) or null (silent). */
  readonly targetOrigin: string | null
  ready(): void
  status(status: EmbedConnectionStatus): void
  saved(saved: boolean): void
  presence(people: readonly EmbedPerson[]): void
  /** Note a document change; sent debounced. */
  changed(): void
  error(reason: EmbedErrorReason, status: number, message: string): void
  destroy(): void
}

/**
 * The origin of the page embedding `win`, from the browser: `location.ancestorOrigins` (Chromium,
 * Safari), else the referrer (Firefox; browsers send at least the origin across origins unless
 * the host page's Referrer-Policy is `no-referrer`). Null when not framed or unknown.
 */
export function detectHostOrigin(win: {
  parent: unknown
  location: { ancestorOrigins?: { length: number; [index: number]: string } }
  document: { referrer: string }
}): string | null {
  if (win.parent === win) return null
  const ancestors = win.location.ancestorOrigins
  if (ancestors && ancestors.length > 0) return ancestors[0] ?? null
  try {
    return win.document.referrer ? new URL(win.document.referrer).origin : null
  } catch {
    return null
  }
}

/** Where to send: the host's exact origin when allowed; '*' only when any origin may embed. */
export function embedTargetOrigin(hostOrigin: string | null, allowed: EmbedOrigins): string | null {
  if (hostOrigin !== null) return embedOriginAllowed(allowed, hostOrigin) ? hostOrigin : null
  return allowed === '*' ? '*' : null
}

function samePeople(a: readonly EmbedPerson[], b: readonly EmbedPerson[]): boolean {
  return a.length === b.length && a.every((person, i) => person.name === b[i]?.name && person.color === b[i]?.color)
}

export function createEmbedBridge(options: EmbedBridgeOptions): EmbedBridge {
  const schedule = options.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms))
  const cancel = options.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>))
  const changeDelayMs = options.changeDelayMs ?? 500
  const targetOrigin = embedTargetOrigin(options.hostOrigin, options.allowedOrigins)
  let destroyed = false
  let changeTimer: unknown = null
  let lastStatus: EmbedConnectionStatus | null = null
  let lastSaved: boolean | null = null
  let lastPeople: readonly EmbedPerson[] | null = null

  const send = (message: EmbedOutgoingMessage) => {
    if (destroyed || targetOrigin === null) return
    options.host.postMessage(message, targetOrigin)
  }

  const answer = (message: EmbedIncomingMessage) => {
    switch (message.type) {
      case 'tandem:get-content': {
        let content: unknown
        try {
          content = options.handlers.content(message.format)
        } catch (error) {
          send({ type: 'tandem:request-failed', requestId: message.requestId, message: (error as Error).message })
          return
        }
        send({ type: 'tandem:content', requestId: message.requestId, format: message.format, content })
        return
      }
      case 'tandem:set-user':
        options.handlers.setUser(message.color === undefined ? { name: message.name } : { name: message.name, color: message.color })
        return
      case 'tandem:focus':
        options.handlers.focus()
        return
      default: {
        const unreachable: never = message
        return unreachable
      }
    }
  }

  const onMessage = (event: MessageEvent) => {
    if (destroyed || targetOrigin === null) return
    // Only the embedding window, and only from an origin we would answer.
    if (event.source !== options.host) return
    if (targetOrigin === '*' ? !embedOriginAllowed(options.allowedOrigins, event.origin) : event.origin !== targetOrigin) return
    const message = parseEmbedIncoming(event.data)
    if (message === null) return
    if (message.type === 'invalid') {
      send({ type: 'tandem:request-failed', requestId: message.requestId, message: message.message })
      return
    }
    answer(message)
  }
  if (targetOrigin !== null) options.self.addEventListener('message', onMessage)

  return {
    targetOrigin,
    ready() {
      send({ type: 'tandem:ready', version: EMBED_PROTOCOL_VERSION, docId: options.docId })
    },
    status(status) {
      if (status === lastStatus) return
      lastStatus = status
      send({ type: 'tandem:status', status })
    },
    saved(saved) {
      if (saved === lastSaved) return
      lastSaved = saved
      send({ type: 'tandem:saved', saved })
    },
    presence(people) {
      if (lastPeople && samePeople(lastPeople, people)) return
      lastPeople = people.map(({ name, color }) => ({ name, color }))
      send({ type: 'tandem:presence', people: [...lastPeople] })
    },
    changed() {
      if (changeTimer !== null || destroyed) return
      changeTimer = schedule(() => {
        changeTimer = null
        send({ type: 'tandem:change' })
      }, changeDelayMs)
    },
    error(reason, status, message) {
      send({ type: 'tandem:error', reason, status, message })
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      if (changeTimer !== null) cancel(changeTimer)
      changeTimer = null
      options.self.removeEventListener('message', onMessage)
    },
  }
}

/** What `bindEmbedBridge` reads from a connection (a `TandemConnection` fits). */
export interface EmbedBindable {
  readonly doc: Y.Doc
  readonly status: ReadonlySignal<EmbedConnectionStatus>
  readonly saveState: ReadonlySignal<SaveState>
  readonly peers: ReadonlySignal<Peer[]>
}

/**
 * Reports a connection through the bridge: its status, "saved" (every change confirmed), who is
 * here, and that the document changed. Sends the current values at once. Returns the unbind
 * function.
 */
export function bindEmbedBridge(bridge: EmbedBridge, connection: EmbedBindable): () => void {
  const onStatus = (status: EmbedConnectionStatus) => bridge.status(status)
  const onSave = (state: SaveState) => bridge.saved(state === 'saved')
  const onPeers = (peers: Peer[]) => bridge.presence(groupPeople(peers).map(({ name, color }) => ({ name, color })))
  const onUpdate = () => bridge.changed()
  onStatus(connection.status.value)
  onSave(connection.saveState.value)
  onPeers(connection.peers.value)
  const unsubscribe = [connection.status.subscribe(onStatus), connection.saveState.subscribe(onSave), connection.peers.subscribe(onPeers)]
  connection.doc.on('update', onUpdate)
  return () => {
    for (const stop of unsubscribe) stop()
    connection.doc.off('update', onUpdate)
  }
}
