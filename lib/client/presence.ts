import type { Awareness } from 'y-protocols/awareness'
import type { TandemUser } from './identity'

/**
 * Presence lives in awareness, never in the document. Every client publishes
 * `{ user: { name, color } }` (the shape CollaborationCaret reads); the caret plugin adds its
 * own `cursor` field next to it.
 */
export interface Peer {
  clientId: number
  name: string
  color: string
  isLocal: boolean
}

const FALLBACK_COLOR = '#718096'

export function setLocalUser(awareness: Awareness, user: TandemUser): void {
  awareness.setLocalStateField('user', { name: user.name, color: user.color })
}

function readUser(state: unknown): { name: string; color: string } | null {
  if (typeof state !== 'object' || state === null) return null
  const user = (state as { user?: unknown }).user
  if (typeof user !== 'object' || user === null) return null
  const { name, color } = user as { name?: unknown; color?: unknown }
  if (typeof name !== 'string' || name.trim() === '') return null
  return {
    name: name.slice(0, 80),
    color: typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : FALLBACK_COLOR,
  }
}

/** Everyone with a user state, the local client first, then by name (stable for rendering). */
export function readPeers(awareness: Awareness): Peer[] {
  const local = awareness.clientID
  const peers: Peer[] = []
  for (const [clientId, state] of awareness.getStates()) {
    const user = readUser(state)
    if (user) peers.push({ clientId, ...user, isLocal: clientId === local })
  }
  return peers.sort((a, b) => {
    if (a.isLocal !== b.isLocal) return a.isLocal ? -1 : 1
    return a.name.localeCompare(b.name) || a.clientId - b.clientId
  })
}

function samePeers(a: readonly Peer[], b: readonly Peer[]): boolean {
  if (a.length !== b.length) return false
  return a.every((p, i) => {
    const q = b[i]
    return q !== undefined && p.clientId === q.clientId && p.name === q.name && p.color === q.color && p.isLocal === q.isLocal
  })
}

/**
 * Calls `listener` with the peer list whenever who is online (or their name or colour)
 * changes; cursor movements alone do not call it. Returns the unsubscribe function.
 */
export function subscribePeers(awareness: Awareness, listener: (peers: Peer[]) => void): () => void {
  let current = readPeers(awareness)
  const onChange = () => {
    const next = readPeers(awareness)
    if (samePeers(current, next)) return
    current = next
    listener(next)
  }
  awareness.on('change', onChange)
  return () => awareness.off('change', onChange)
}

/**
 * One entry per person rather than per tab: clients with the same name and colour (the same
 * browser profile) are folded together.
 */
export interface Person {
  key: string
  name: string
  color: string
  isLocal: boolean
  clientIds: number[]
}

export function groupPeople(peers: readonly Peer[]): Person[] {
  const people = new Map<string, Person>()
  for (const peer of peers) {
    const key = `${peer.name}\u0000${peer.color}`
    const existing = people.get(key)
    if (existing) {
      existing.clientIds.push(peer.clientId)
      existing.isLocal ||= peer.isLocal
    } else {
      people.set(key, { key, name: peer.name, color: peer.color, isLocal: peer.isLocal, clientIds: [peer.clientId] })
    }
  }
  return [...people.values()]
}
