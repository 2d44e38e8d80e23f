import * as encoding from 'lib0/encoding'
import * as authProtocol from 'y-protocols/auth'
import { Awareness, removeAwarenessStates } from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import { messageAuth, messageSync, WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CloseCode } from '../protocol/close-codes'
import { isValidDocId, TITLE_FIELD } from '../protocol/document-fields'
import { type ActivityEntry, ActivityLog, type ActivityLogOptions } from './activity'
import { chooseColor } from './color-assignment'
import { bindDocAccess, type DocAccess } from './doc-access'
import type { TandemUser } from './identity'
import { observeLastRestore } from './last-restore'
import {
  createRetrier,
  createWatchdog,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_SILENCE_MS,
  DEFAULT_SLEEP_MS,
  type LivenessClock,
  type LivenessOptions,
  systemClock,
} from './liveness'
import { type LocalCopy, type LocalCopyState, localCopyName, openLocalCopy } from './local-copy'
import { type Peer, readPeers, setLocalUser, subscribePeers } from './presence'
import { SaveTracker } from './save-tracker'
import { type ReadonlySignal, Signal } from './signal'
import { type ConnectionStatus, nextStatus } from './status'
import { endingOf } from './status-copy'
import { peekSyncMessage } from './sync-messages'
import { startTabSync, type TabSync } from './tab-sync'
import { collabUrlFromLocation } from './urls'

/**
 * - `saved`: the server has stored every local change.
 * - `saving`: connected, and some local changes are not confirmed yet.
 * - `offline`: disconnected; the changes the server has not confirmed (`pendingChanges`) are
 *   in this device's local copy and go to the server when the connection returns.
 * - `not-saved`: disconnected, and the changes are neither on the server nor on the device
 *   (no local copy: turned off, IndexedDB blocked or failing). Closing the page loses them.
 */
export type SaveState = 'saved' | 'saving' | 'offline' | 'not-saved'

/** The local copy's state, or `off` when the connection was created without one. */
export type LocalCopyStatus = LocalCopyState | 'off'

export interface LocalCopyOptions {
  /**
   * Whose copy this is: the token's subject with auth on, else a stable per-browser id. Two
   * people on one browser, or one person on two servers, get separate copies.
   */
  userKey?: string
}

/** Why the server ended the session for good (a 4400–4499 close code: no retry). */
export interface ClosedReason {
  code: number
  reason: string
}

export interface ConnectionOptions {
  docId: string
  /** Base of the sync endpoint, e.g. `wss://example.org/collab`; defaults to the page's host. */
  serverUrl?: string
  /** Sent as `?token=` on the WebSocket URL. */
  token?: string
  /**
   * Keeps the token current instead (see `createDocAccess`): fresh session tokens are used on
   * reconnect, and a revoked or expired link stops reconnecting. Wins over `token`.
   */
  access?: DocAccess
  user: TandemUser
  /** Bring your own Y.Doc (it is then not destroyed with the connection). */
  doc?: Y.Doc
  /** Node has no global WebSocket: pass `ws`'s class there. */
  WebSocketPolyfill?: typeof WebSocket
  /** Start connecting immediately (default true). */
  connect?: boolean
  /** How long a change may stay unconfirmed before we ask the server for its state again. */
  resyncAfterMs?: number
  /**
   * Dead-connection detection and reconnect backoff (see `liveness.ts`); `clock` and `random`
   * are for tests.
   */
  liveness?: LivenessOptions & { clock?: LivenessClock; random?: () => number }
  /**
   * Keep a copy of the document on this device (IndexedDB), so offline edits survive a reload,
   * a closed tab and a browser restart; tabs of one document stay in step offline. On by
   * default where IndexedDB exists; `false` keeps changes in memory only.
   */
  localCopy?: boolean | LocalCopyOptions
  /** Ask before the page closes while changes are neither on the server nor on the device (default true). */
  guardUnload?: boolean
  /** How long someone must be gone before the activity feed says they left (see activity.ts). */
  activity?: Pick<ActivityLogOptions, 'leaveGraceMs'>
}

export interface TandemConnection {
  readonly docId: string
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly provider: WebsocketProvider
  readonly status: ReadonlySignal<ConnectionStatus>
  readonly saveState: ReadonlySignal<SaveState>
  /** How many local changes the server has not confirmed yet. */
  readonly pendingChanges: ReadonlySignal<number>
  readonly localCopy: ReadonlySignal<LocalCopyStatus>
  readonly synced: ReadonlySignal<boolean>
  readonly peers: ReadonlySignal<Peer[]>
  readonly activity: ReadonlySignal<readonly ActivityEntry[]>
  readonly closedReason: ReadonlySignal<ClosedReason | null>
  /**
   * The server's last "permission denied" (y-protocols auth message): it refused our document
   * changes because the token is read-only. Null until that happens.
   */
  readonly permissionDenied: ReadonlySignal<string | null>
  readonly user: TandemUser
  setUser(user: TandemUser): void
  /** The token for the next socket (`?token=`); the open socket, if any, stays. */
  setToken(token: string | null): void
  /** Closes the socket and opens a new one (same Y.Doc), e.g. after the token changed identity. */
  reconnect(): void
  /** Records on the local copy whether this person may edit, for when the page opens offline. */
  rememberRole(canEdit: boolean): void
  destroy(): void
}

export const DEFAULT_RESYNC_AFTER_MS = 2_000

/**
 * Closes after which retrying cannot help: no access, the document is gone, or the server
 * refused what this client sends (retrying would loop). Stock y-websocket treats the whole
 * 4400–4499 range as final, which would strand a client after a heartbeat timeout (4408) or a
 * rate limit (4429); those are transient here and reconnect with backoff.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.MalformedMessage.code,
  CloseCode.Unauthorized.code,
  CloseCode.Forbidden.code,
  CloseCode.DocumentDeleted.code,
  CloseCode.UnknownMessageType.code,
  CloseCode.InvalidUpdate.code,
])

export function shouldReconnectAfterClose(code: number): boolean {
  return !FINAL_CLOSE_CODES.has(code)
}

export function createConnection(options: ConnectionOptions): TandemConnection {
  const { docId } = options
  if (!isValidDocId(docId)) throw new Error(`Invalid document id: ${JSON.stringify(docId)}`)
  const serverUrl = options.serverUrl ?? defaultServerUrl()
  const ownsDoc = options.doc === undefined
  const doc = options.doc ?? new Y.Doc()
  const awareness = new Awareness(doc)
  let user = options.user
  // When this tab opened the document: who came first keeps their colour (color-assignment.ts).
  const since = (options.liveness?.clock ?? systemClock).now()
  let shownColor = user.color
  const publishUser = () => setLocalUser(awareness, { ...user, color: shownColor }, since)
  publishUser()
  const personKey = () => (user.id ? `id:${user.id}` : `client:${awareness.clientID}`)
  /** Two people must not look alike; the tabs of one person must (see color-assignment.ts). */
  const avoidColorClash = (list: readonly Peer[]) => {
    const next = chooseColor({
      personKey: personKey(),
      clientId: awareness.clientID,
      preferred: user.color,
      shown: shownColor,
      peers: list,
    })
    if (next === shownColor) return
    shownColor = next
    publishUser()
  }

  const initialToken = options.access ? options.access.token : options.token
  const provider = new WebsocketProvider(serverUrl, docId, doc, {
    connect: false,
    awareness,
    params: initialToken ? { token: initialToken } : {},
    // Cross-tab BroadcastChannel sync is off on purpose: an update that reached us from another
    // tab would look like a server echo and show "Saved" for changes the server never saw.
    disableBc: true,
    shouldReconnect: (event: CloseEvent) => shouldReconnectAfterClose(event.code),
    ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill } : {}),
  })

  const status = new Signal<ConnectionStatus>('connecting')
  const saveState = new Signal<SaveState>('saved')
  const pendingChanges = new Signal<number>(0)
  const synced = new Signal<boolean>(false)
  const peers = new Signal<Peer[]>(readPeers(awareness))
  const closedReason = new Signal<ClosedReason | null>(null)
  const permissionDenied = new Signal<string | null>(null)
  const activityLog = new ActivityLog({
    ...(options.liveness?.clock ? { clock: options.liveness.clock } : {}),
    ...(options.activity?.leaveGraceMs !== undefined ? { leaveGraceMs: options.activity.leaveGraceMs } : {}),
    onChange: () => activity.set(activityLog.list),
  })
  const activity = new Signal<readonly ActivityEntry[]>(activityLog.list)
  const tracker = new SaveTracker()
  const disposers: Array<() => void> = []
  const resyncAfterMs = options.resyncAfterMs ?? DEFAULT_RESYNC_AFTER_MS
  let resyncTimer: ReturnType<typeof setTimeout> | null = null

  const requestServerState = () => {
    const ws = provider.ws
    if (!provider.wsconnected || ws === null || ws.readyState !== ws.OPEN) return
    // A sync step 1 makes the server answer with a step 2 carrying its whole delete set, which
    // confirms deletions it already had (those produce no echo) and any echo we missed.
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, messageSync)
    syncProtocol.writeSyncStep1(encoder, doc)
    ws.send(encoding.toUint8Array(encoder))
  }

  /**
   * The local copy. Updates it applies (from the database) and updates from other tabs are not
   * this page's edits: the first are already on the device, the second are counted by the tab
   * that made them... and by us too, since we cannot tell whether that tab is still open to send
   * them: both count as changes on this device until the server confirms them.
   */
  const copyOption = options.localCopy ?? true
  const localCopy: LocalCopy | null =
    copyOption === false
      ? null
      : openLocalCopy(
          localCopyName({ serverUrl, userKey: (copyOption === true ? undefined : copyOption.userKey) ?? 'anonymous', docId }),
          doc,
        )
  const localCopyStatus = new Signal<LocalCopyStatus>(localCopy ? localCopy.state.value : 'off')
  let tabSync: TabSync | null = null
  /** Tracker version the last completed write to the local copy covers. */
  let durableVersion = 0
  let writing = false
  const persistPending = () => {
    if (localCopy?.state.value !== 'ready' || writing) return
    if (durableVersion === tracker.changeVersion) return
    writing = true
    const version = tracker.changeVersion
    localCopy
      .writePending(tracker.snapshot())
      .then(() => {
        durableVersion = version
      })
      .catch(() => {
        // The copy turned unavailable (its state says so); the status shows "Not saved".
      })
      .finally(() => {
        writing = false
        updateSaveState()
      })
  }

  /**
   * True while a change is neither confirmed by the server nor committed to the local copy (for
   * the few milliseconds a write takes, or for good when there is no local copy).
   */
  const atRisk = () => !tracker.isSaved && !(localCopy?.state.value === 'ready' && durableVersion === tracker.changeVersion)

  const updateSaveState = () => {
    pendingChanges.set(tracker.pendingCount)
    const next: SaveState = tracker.isSaved ? 'saved' : status.value === 'connected' ? 'saving' : atRisk() ? 'not-saved' : 'offline'
    saveState.set(next)
    persistPending()
    if (next === 'saving') {
      resyncTimer ??= setTimeout(() => {
        resyncTimer = null
        if (saveState.value === 'saving') {
          requestServerState()
          updateSaveState()
        }
      }, resyncAfterMs)
    } else if (resyncTimer !== null) {
      clearTimeout(resyncTimer)
      resyncTimer = null
    }
  }

  const refreshActivity = (changed: boolean) => {
    if (changed) activity.set(activityLog.list)
  }

  // Watch what the server sends before the provider applies it. Only socket traffic counts
  // (`fromSocket` is the provider's `emitSynced` flag, false for BroadcastChannel messages).
  const originalSyncHandler = provider.messageHandlers[messageSync]
  if (!originalSyncHandler) throw new Error('y-websocket provider has no sync message handler')
  provider.messageHandlers[messageSync] = (encoder, decoder, p, fromSocket, type) => {
    const info = fromSocket ? peekSyncMessage(decoder) : null
    originalSyncHandler(encoder, decoder, p, fromSocket, type)
    if (info === null) return
    if (info.kind === 'update') tracker.recordServerUpdate(info.update)
    else tracker.recordServerStateVector(info.stateVector)
    updateSaveState()
  }

  // The stock handler console.warns the socket URL, which carries the token. Read-only
  // clients (viewers) get this answer to every sync step 2 they send: record it quietly.
  provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
    authProtocol.readAuthMessage(decoder, doc, (_doc: Y.Doc, reason: string) => permissionDenied.set(reason))
  }

  const onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === provider) return
    if (localCopy !== null && origin === localCopy.origin) return
    tracker.recordLocalUpdate(update)
    updateSaveState()
  }
  doc.on('update', onDocUpdate)
  disposers.push(() => doc.off('update', onDocUpdate))

  /**
   * Announces us anew on every (re)connect. When a socket closes, the others drop our presence
   * but remember the clock they last saw it at; the same state at the same clock would be
   * ignored as old news, so a person who changed nothing while the server was away (a restart,
   * a network cut) would stay invisible until the 15-second renewal. A new clock fixes that.
   */
  const announceAgain = () => {
    const local = awareness.getLocalState()
    if (local !== null) awareness.setLocalState(local)
  }
  /**
   * The provider drops the others' presence when our socket closes but keeps the clock it last
   * saw for each; after we reconnect, the server hands us their states at those same clocks,
   * which awareness ignores as old news, so everyone idle would look gone until their next
   * renewal (up to 15 s), and the feed would call it leaving. Forgetting the clocks of the
   * clients no longer shown lets their states in again as soon as they arrive.
   */
  const forgetRemoteClocks = () => {
    for (const clientId of [...awareness.meta.keys()]) {
      if (clientId !== awareness.clientID && !awareness.states.has(clientId)) awareness.meta.delete(clientId)
    }
  }
  const onStatus = ({ status: s }: { status: 'connected' | 'disconnected' | 'connecting' }) => {
    if (s === 'connected') {
      forgetRemoteClocks()
      announceAgain()
    }
    status.set(nextStatus(status.value, s === 'connected' ? 'open' : s === 'connecting' ? 'attempt' : 'close'))
  }
  const onConnectionClose = () => status.set(nextStatus(status.value, 'close'))
  const onClosed = (event: { code: number; reason: string }) => {
    closedReason.set({ code: event.code, reason: event.reason })
  }
  const onSync = (isSynced: boolean) => synced.set(isSynced)
  disposers.push(listen(provider, { status: onStatus, 'connection-close': onConnectionClose, closed: onClosed, sync: onSync }))

  disposers.push(
    closedReason.subscribe((closed) => {
      const ending = endingOf(closed)
      if (ending) refreshActivity(activityLog.setEnded(ending))
    }),
    status.subscribe((s) => {
      if (s === 'connected') closedReason.set(null)
      updateSaveState()
      refreshActivity(activityLog.setStatus(s))
    }),
    synced.subscribe((s) => refreshActivity(activityLog.setSynced(s))),
    subscribePeers(awareness, (list) => {
      peers.set(list)
      avoidColorClash(list)
    }),
    peers.subscribe((list) => refreshActivity(activityLog.setPeers(list))),
    observeLastRestore(doc, (record) => refreshActivity(activityLog.setLastRestore(record))),
  )

  // Tell the others at once when the page goes away; the server would also drop our awareness
  // when the socket closes, but a pagehide arrives earlier than the close.
  if (typeof window !== 'undefined') {
    const onPageHide = () => removeAwarenessStates(awareness, [doc.clientID], 'page hidden')
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) publishUser()
    }
    window.addEventListener('pagehide', onPageHide)
    window.addEventListener('pageshow', onPageShow)
    disposers.push(() => {
      window.removeEventListener('pagehide', onPageHide)
      window.removeEventListener('pageshow', onPageShow)
    })
  }

  const setToken = (token: string | null) => {
    const { token: _previous, ...rest } = provider.params
    // y-websocket builds the socket URL from `params` each time it opens one.
    provider.params = token ? { ...rest, token } : rest
  }
  let destroyed = false
  const reconnect = () => {
    if (destroyed) return
    provider.disconnect()
    // disconnect() told everyone we left; onStatus announces us again once the new socket opens.
    provider.connect()
  }

  /**
   * Liveness. The server sends something at least every heartbeat interval (an empty awareness
   * update when there is nothing else); when nothing has arrived for `silenceMs`, the socket is
   * as good as dead, whatever the cause (a dropped network, sleep, a proxy that swallowed it).
   * We close it locally through the provider's own path (`disconnect()`): the status turns
   * offline and the others' presence is dropped at once, whereas a closing handshake would wait
   * for a peer that is gone. The reconnect then follows our backoff.
   *
   * Backoff. y-websocket retries on a fixed schedule (100 ms · 2^n up to `maxBackoffTime`) with
   * no jitter, so every client cut off by a server restart would come back in the same
   * instant. We take retries over: when a socket closes and a retry is due, `shouldConnect` is
   * cleared before the provider's own timer runs (it then finds nothing to do), and our retrier
   * calls `connect()` after a jittered delay. `connect()`/`disconnect()` from anyone else
   * (access changes, `reconnect()`, `destroy()`) cancel a pending retry first.
   */
  const live = options.liveness ?? {}
  const clock = live.clock ?? systemClock
  const stockConnect = provider.connect.bind(provider)
  const stockDisconnect = provider.disconnect.bind(provider)
  const retrier = createRetrier({
    connect: stockConnect,
    baseMs: live.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
    maxMs: live.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
    clock,
    ...(live.random ? { random: live.random } : {}),
  })
  provider.connect = () => {
    retrier.cancel()
    stockConnect()
  }
  provider.disconnect = () => {
    retrier.cancel()
    stockDisconnect()
  }
  const watchdog = createWatchdog({
    silenceMs: live.silenceMs ?? DEFAULT_SILENCE_MS,
    sleepMs: live.sleepMs ?? DEFAULT_SLEEP_MS,
    clock,
    onSilent: ({ slept }) => {
      if (provider.ws === null) return
      stockDisconnect()
      // After a long sleep, come back at once: the new socket starts with a full sync (every
      // open sends sync step 1, the server answers with all we miss) and a fresh announcement.
      if (slept) stockConnect()
      else retrier.schedule()
    },
  })
  // Any message from the socket is a sign of life.
  provider.messageHandlers = provider.messageHandlers.map(
    (handler): (typeof provider.messageHandlers)[number] =>
      (encoder, decoder, p, fromSocket, type) => {
        if (fromSocket) watchdog.heard()
        handler(encoder, decoder, p, fromSocket, type)
      },
  )
  // A socket that is still opening is watched too: an attempt into a dead network may hang
  // without ever failing (the handshake goes nowhere), and y-websocket has no timeout for it.
  const onLivenessStatus = ({ status: s }: { status: string }) => {
    if (s === 'connected' || s === 'connecting') watchdog.opened()
  }
  const onCloseForRetry = (event: CloseEvent | null) => {
    watchdog.closed()
    // disconnect() cleared it: someone meant to stop. A final close code stops for good.
    if (!provider.shouldConnect) return
    if (event !== null && !shouldReconnectAfterClose(event.code)) return
    provider.shouldConnect = false
    retrier.schedule()
  }
  const onSyncedForRetry = (isSynced: boolean) => {
    if (isSynced) retrier.succeeded()
  }
  disposers.push(listen(provider, { status: onLivenessStatus, 'connection-close': onCloseForRetry, sync: onSyncedForRetry }), () => {
    watchdog.dispose()
    retrier.cancel()
  })
  // The browser says the network is back, or the tab is visible again (maybe after sleep): retry
  // now instead of at the end of the backoff, or, if a socket is open, check it at once (timers
  // of hidden tabs and sleeping machines run late).
  if (typeof window !== 'undefined' && typeof document !== 'undefined') {
    const wake = () => {
      if (!retrier.now()) watchdog.check()
    }
    const onVisibility = () => {
      if (document.visibilityState === 'visible') wake()
    }
    window.addEventListener('online', wake)
    document.addEventListener('visibilitychange', onVisibility)
    disposers.push(() => {
      window.removeEventListener('online', wake)
      document.removeEventListener('visibilitychange', onVisibility)
    })
  }

  if (options.access) disposers.push(bindDocAccess({ provider, setToken, reconnect }, options.access))

  if (typeof window !== 'undefined' && options.guardUnload !== false) {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!atRisk()) return
      event.preventDefault()
      // Older browsers need a value here to show their dialog.
      event.returnValue = ''
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    disposers.push(() => window.removeEventListener('beforeunload', onBeforeUnload))
  }

  const wantsConnect = options.connect !== false
  if (localCopy) {
    disposers.push(
      localCopy.state.subscribe((s) => {
        localCopyStatus.set(s)
        updateSaveState()
      }),
    )
    // Load the device's copy before connecting: the first sync then sends the server only what
    // it lacks, and changes made offline in an earlier page are known as unconfirmed.
    void localCopy.loaded.then(async () => {
      if (destroyed) return
      const pending = await localCopy.readPending()
      if (destroyed) return
      if (pending) {
        tracker.restore(pending)
        durableVersion = tracker.changeVersion
      }
      tabSync = startTabSync(localCopy.name, doc)
      // The title beside the copy, for the documents list when the server cannot be asked.
      const title = doc.getText(TITLE_FIELD)
      let lastTitle: string | null = null
      const rememberTitle = () => {
        const current = title.toString()
        if (current === lastTitle) return
        lastTitle = current
        localCopy.rememberTitle(current)
      }
      rememberTitle()
      title.observe(rememberTitle)
      disposers.push(() => title.unobserve(rememberTitle))
      updateSaveState()
      if (wantsConnect && options.access?.state.value.status !== 'denied' && !provider.shouldConnect) provider.connect()
    })
    // A document deleted on the server: its copy here would resurrect nothing, so it goes.
    disposers.push(
      listen(provider, {
        closed: (event: { code: number }) => {
          if (event.code === CloseCode.DocumentDeleted.code) void localCopy.drop()
        },
      }),
    )
  } else if (wantsConnect && options.access?.state.value.status !== 'denied') {
    provider.connect()
  }

  return {
    docId,
    doc,
    awareness,
    provider,
    status,
    saveState,
    pendingChanges,
    localCopy: localCopyStatus,
    synced,
    peers,
    activity,
    closedReason,
    permissionDenied,
    get user() {
      return user
    },
    setUser(next: TandemUser) {
      const colorChanged = next.color !== user.color
      user = next
      if (colorChanged) shownColor = next.color
      // Merge into the existing state so the caret's `cursor` field survives a rename.
      publishUser()
      avoidColorClash(readPeers(awareness))
    },
    setToken,
    reconnect,
    rememberRole(canEdit: boolean) {
      localCopy?.rememberRole(canEdit)
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      if (resyncTimer !== null) clearTimeout(resyncTimer)
      activityLog.dispose()
      for (const dispose of disposers.splice(0)) dispose()
      tabSync?.destroy()
      localCopy?.destroy()
      // disconnect() announces our awareness removal on the open socket before closing it.
      provider.destroy()
      awareness.destroy()
      if (ownsDoc) doc.destroy()
      for (const signal of [status, saveState, pendingChanges, localCopyStatus, synced, peers, activity, closedReason, permissionDenied])
        signal.clear()
    },
  }
}

function defaultServerUrl(): string {
  if (typeof window === 'undefined') {
    throw new Error('serverUrl is required outside the browser')
  }
  return collabUrlFromLocation(window.location)
}

type ProviderEvents = Parameters<WebsocketProvider['on']>[0]

/** Registers provider listeners together; the returned function removes exactly those. */
function listen(provider: WebsocketProvider, handlers: Partial<Record<ProviderEvents, (...args: never[]) => void>>): () => void {
  const entries = Object.entries(handlers) as Array<[ProviderEvents, (...args: never[]) => void]>
  for (const [event, handler] of entries) provider.on(event, handler as never)
  return () => {
    for (const [event, handler] of entries) provider.off(event, handler as never)
  }
}
