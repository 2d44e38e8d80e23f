import { type LastRestore, sameRestore } from './last-restore'
import { groupPeople, type Peer, type Person } from './presence'
import type { ConnectionStatus } from './status'

/**
 * The activity feed: who joined and who left, with times. Pure state machine, fed with the
 * connection's status, sync flag and peer list, so it can be tested without sockets.
 *
 * Presence is only trusted while connected and synced: when the socket drops, the provider
 * clears every remote awareness state, which must not read as "everyone left". The people
 * seen at the last trusted moment stay the baseline; after a reconnect the difference is
 * reported once.
 *
 * Restores come from the document (see last-restore.ts). The record found when the document
 * first loads is old news; only a change seen after that first sync is reported (including one
 * that arrives with a reconnect).
 */
export type ActivityKind = 'you-joined' | 'here' | 'joined' | 'left' | 'offline' | 'online' | 'restored'

export interface ActivityEntry {
  id: number
  kind: ActivityKind
  /** The person concerned; absent for entries about the local user's connection. */
  name?: string
  color?: string
  /** For `restored`: the version put back. */
  version?: { name: string | null; createdAt: number }
  at: number
}

export const MAX_ACTIVITY_ENTRIES = 50

export class ActivityLog {
  private entries: ActivityEntry[] = []
  private baseline: Map<string, Person> | null = null
  private nextId = 1
  private status: ConnectionStatus = 'connecting'
  private synced = false
  private peers: readonly Peer[] = []
  private wentOffline = false
  private lastRestore: LastRestore | null = null
  private restoresTrusted = false

  constructor(private readonly now: () => number = Date.now) {}

  get list(): readonly ActivityEntry[] {
    return this.entries
  }

  /** Returns true when the list changed. */
  setStatus(status: ConnectionStatus): boolean {
    const previous = this.status
    this.status = status
    if (status !== 'connected') this.synced = false
    if (previous === 'connected' && status === 'offline' && this.baseline !== null) {
      this.wentOffline = true
      this.push({ kind: 'offline' })
      return true
    }
    return false
  }

  setSynced(synced: boolean): boolean {
    this.synced = synced
    if (synced && this.status === 'connected') this.restoresTrusted = true
    return this.reconcile()
  }

  /** The document's last-restore record, whenever it is read (loaded, synced or changed). */
  setLastRestore(record: LastRestore | null): boolean {
    const previous = this.lastRestore
    this.lastRestore = record
    if (!this.restoresTrusted || record === null || sameRestore(previous, record)) return false
    this.push({
      kind: 'restored',
      name: record.by.name,
      ...(record.by.color ? { color: record.by.color } : {}),
      version: { name: record.versionName, createdAt: record.versionCreatedAt },
    })
    return true
  }

  setPeers(peers: readonly Peer[]): boolean {
    this.peers = peers
    return this.reconcile()
  }

  private reconcile(): boolean {
    if (this.status !== 'connected' || !this.synced) return false
    const current = new Map(
      groupPeople(this.peers)
        .filter((p) => !p.isLocal)
        .map((p) => [p.key, p]),
    )
    const before = this.entries.length
    if (this.baseline === null) {
      this.push({ kind: 'you-joined' })
      for (const person of current.values()) this.push({ kind: 'here', name: person.name, color: person.color })
    } else {
      if (this.wentOffline) {
        this.wentOffline = false
        this.push({ kind: 'online' })
      }
      for (const [key, person] of this.baseline) {
        if (!current.has(key)) this.push({ kind: 'left', name: person.name, color: person.color })
      }
      for (const [key, person] of current) {
        if (!this.baseline.has(key)) this.push({ kind: 'joined', name: person.name, color: person.color })
      }
    }
    this.baseline = current
    return this.entries.length !== before
  }

  private push(entry: Omit<ActivityEntry, 'id' | 'at'>): void {
    const full: ActivityEntry = { id: this.nextId++, at: this.now(), ...entry }
    // Newest first; bounded so a long session cannot grow it without limit.
    this.entries = [full, ...this.entries].slice(0, MAX_ACTIVITY_ENTRIES)
  }
}
