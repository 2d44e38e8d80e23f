import type { Awareness } from 'y-protocols/awareness'
import type { TandemUser } from './identity'

/**
 * Presence lives in awareness, never in the document. Every client publishes
 * `{ user: { name, color, id?, since } }` (CollaborationCaret reads name and colour; the caret
 * plugin adds its own `cursor` field next to it):
 * - `id` says who the person is across their tabs: the browser profile's identity, or with auth
 *   on the token's user id (the server writes it, Z4). Names say nothing: two people may share
 *   one, and one person may rename.
 * - `since` is when this tab opened the document (its clock); who was here first keeps their
 *   colour when two people would look alike (see color-assignment.ts).
 */
export interface Peer {
  clientId: number
  /** Who this connection belongs to: `id:<user id>`, or `client:<clientId>` for clients that publish no id. */
  personKey: string
  name: string
  color: string
  /** When this connection opened the document (0 when it did not say). */
  since: number
  isLocal: boolean
}

const FALLBACK_COLOR = '#718096'
const MAX_ID_LENGTH = 256

export function setLocalUser(awareness: Awareness, user: TandemUser, since: number): void {
  awareness.setLocalStateField('user', { name: user.name, color: user.color, ...(user.id ? { id: user.id } : {}), since })
}

function readUser(state: unknown): { name: string; color: string; id: string | null; since: number } | null {
  if (typeof state !== 'object' || state === null) return null
  const user = (state as { user?: unknown }).user
  if (typeof user !== 'object' || user === null) return null
  const { name, color, id, since } = user as { name?: unknown; color?: unknown; id?: unknown; since?: unknown }
  if (typeof name !== 'string' || name.trim() === '') return null
  return {
    name: name.slice(0, 80),
    color: typeof color === 'string' && /^#[0-9a-fA-F]{6}$/.test(color) ? color : FALLBACK_COLOR,
    id: typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH ? id : null,
    since: typeof since === 'number' && Number.isFinite(since) ? since : 0,
  }
}

/** Everyone with a user state, the local client first, then by name (stable for rendering). */
export function readPeers(awareness: Awareness): Peer[] {
  const local = awareness.clientID
  const peers: Peer[] = []
  for (const [clientId, state] of awareness.getStates()) {
    const user = readUser(state)
    if (!user) continue
    const { id, ...shown } = user
    peers.push({ clientId, personKey: id === null ? `client:${clientId}` : `id:${id}`, ...shown, isLocal: clientId === local })
  }
  return peers.sort((a, b) => {
    if (a.isLocal !== b.isLocal) return a.isLocal ? -1 : 1
    return a.name.localeCompare(b.name) || a.since - b.since || a.clientId - b.clientId
  })
}

function samePeers(a: readonly Peer[], b: readonly Peer[]): boolean {
  if (a.length !== b.length) return false
  return a.every((p, i) => {
    const q = b[i]
    return (
      q !== undefined &&
      p.clientId === q.clientId &&
      p.personKey === q.personKey &&
      p.name === q.name &&
      p.color === q.color &&
      p.since === q.since &&
      p.isLocal === q.isLocal
    )
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
 * One entry per person rather than per tab: connections with the same person key (one browser
 * profile, or one signed-in user) are folded together, whatever their names say. The person
 * shows the name and colour of their tab that opened the document first (the local tab when
 * it is one of them: that is the name this reader just chose).
 */
export interface Person {
  key: string
  name: string
  color: string
  /** When the person's first open tab opened the document. */
  since: number
  isLocal: boolean
  clientIds: number[]
}

export function groupPeople(peers: readonly Peer[]): Person[] {
  const people = new Map<string, Person>()
  const byArrival = [...peers].sort((a, b) => Number(b.isLocal) - Number(a.isLocal) || a.since - b.since || a.clientId - b.clientId)
  for (const peer of byArrival) {
    const existing = people.get(peer.personKey)
    if (existing) {
      existing.clientIds.push(peer.clientId)
      existing.since = Math.min(existing.since, peer.since)
      existing.isLocal ||= peer.isLocal
    } else {
      people.set(peer.personKey, {
        key: peer.personKey,
        name: peer.name,
        color: peer.color,
        since: peer.since,
        isLocal: peer.isLocal,
        clientIds: [peer.clientId],
      })
    }
  }
  // In the order of `peers` (the local person first, then by name).
  const firstSeen = new Map<string, number>()
  peers.forEach((peer, index) => {
    if (!firstSeen.has(peer.personKey)) firstSeen.set(peer.personKey, index)
  })
  return [...people.values()].sort((a, b) => (firstSeen.get(a.key) ?? 0) - (firstSeen.get(b.key) ?? 0))
}
