'use client'

import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import type * as Y from 'yjs'
import type { ActivityEntry } from '../client/activity'
import type { ClosedReason, SaveState, TandemConnection } from '../client/connection'
import { groupPeople, type Peer, type Person } from '../client/presence'
import type { ReadonlySignal } from '../client/signal'
import type { ConnectionStatus } from '../client/status'
import { TITLE_FIELD } from '../protocol/document-fields'
import { useTandemConnection } from './tandem-doc-provider'

const noop = () => () => {}

function useSignal<T, F>(pick: (c: TandemConnection) => ReadonlySignal<T>, fallback: F): T | F {
  const connection = useTandemConnection()
  const signal = connection ? pick(connection) : null
  const subscribe = useCallback((onChange: () => void) => (signal ? signal.subscribe(onChange) : noop()), [signal])
  const get = () => (signal ? signal.value : fallback)
  return useSyncExternalStore(subscribe, get, () => fallback)
}

export interface DocHandle {
  docId: string
  doc: Y.Doc
  connection: TandemConnection
}

/** The document of the nearest TandemDocProvider, or null until it is connected. */
export function useDoc(): DocHandle | null {
  const connection = useTandemConnection()
  return useMemo(() => (connection ? { docId: connection.docId, doc: connection.doc, connection } : null), [connection])
}

export function useConnectionStatus(): ConnectionStatus {
  return useSignal((c) => c.status, 'connecting' as const)
}

export function useSaveState(): SaveState {
  return useSignal((c) => c.saveState, 'saved' as const)
}

/** How many local changes the server has not confirmed yet. */
export function usePendingChanges(): number {
  return useSignal((c) => c.pendingChanges, 0)
}

/** True once the first sync with the server completed (false again while reconnecting). */
export function useSynced(): boolean {
  return useSignal((c) => c.synced, false)
}

const NO_PEERS: Peer[] = []
const NO_ACTIVITY: readonly ActivityEntry[] = []

/** Everyone online in this document (one entry per connection, the local one first). */
export function usePresence(): Peer[] {
  return useSignal((c) => c.peers, NO_PEERS)
}

/** Everyone online, one entry per person (tabs of one browser folded together). */
export function usePeople(): Person[] {
  const peers = usePresence()
  return useMemo(() => groupPeople(peers), [peers])
}

export function useActivity(): readonly ActivityEntry[] {
  return useSignal((c) => c.activity, NO_ACTIVITY)
}

export function useClosedReason(): ClosedReason | null {
  return useSignal((c) => c.closedReason, null)
}

/** The live document title (the shared Y.Text). */
export function useDocTitle(): string {
  const connection = useTandemConnection()
  const [title, setTitle] = useState('')
  useEffect(() => {
    if (!connection) return
    const text = connection.doc.getText(TITLE_FIELD)
    const update = () => setTitle(text.toString())
    update()
    text.observe(update)
    return () => text.unobserve(update)
  }, [connection])
  return title
}

/**
 * A user-facing save state that does not flicker: "saving" shows only once changes have been
 * unconfirmed for `delayMs` (a round trip is usually a few milliseconds), and "not saved" only
 * once it has lasted that long (offline, each change is "not saved" for the few milliseconds
 * its write to the device takes).
 */
export function useSmoothedSaveState(delayMs = 500): SaveState {
  const raw = useSaveState()
  const [shown, setShown] = useState<SaveState>(raw)
  useEffect(() => {
    if (raw !== 'saving' && raw !== 'not-saved') {
      setShown(raw)
      return
    }
    const timer = setTimeout(() => setShown(raw), delayMs)
    return () => clearTimeout(timer)
  }, [raw, delayMs])
  return shown
}
