import { type LastRestore, sameRestore } from './last-restore'
import { type LivenessClock, systemClock } from './liveness'
import { groupPeople, type Peer, type Person } from './presence'
import type { ConnectionStatus } from './status'

/**
 * The activity feed: what happened to the people in the document (joined, left, renamed,
 * restored a version) and to the reader's own connection, with times. Pure state machine, fed
 * with the connection's status, sync flag and peer list, so it can be tested without sockets.
 *
 * - A person is their person key (one browser profile or one signed-in user, across tabs), never
 *   a name: two people called Sam are two people, and Ada's second tab is still Ada.
 * - Presence is only trusted while connected and synced: when our socket drops, the provider
 *   clears every remote awareness state, which must not read as "everyone left".
 * - Someone missing from presence has left only once they stayed missing for `leaveGraceMs`
 *   of trusted presence: a reload or a network blip (theirs or ours: after our reconnect the
 *   others' presence arrives a moment after the document) is not a departure. A person who
 *   comes back within the grace period produces no entry at all.
 *
 * Restores come from the document (see last-restore.ts). The record found when the document
 * first loads is old news; only a change seen after that first sync is reported (including one
 * that arrives with a reconnect).
 */
export type ActivityKind = 'you-joined' | 'here' | 'joined' | 'left' | 'renamed' | 'offline' | 'online' | 'ended' | 'restored'

/** How the server ended the session for good (see status-copy.ts). */
export type SessionEnding = 'deleted' | 'no-access' | 'closed'

export interface ActivityEntry {
  id: number
  kind: ActivityKind
  /** The person concerned; absent for entries about the local user's connection. */
  name?: string
  color?: string
  /**
   * Who the entry is about (their person key), for entries about people present: their entries
   * take the colour they wear now, so the feed and "People here" match.
   */
  person?: string
  /** For `renamed`: the name before. */
  previousName?: string
  /** For `ended`: why the server ended the session for good. */
  ending?: SessionEnding
  /** For `restored`: the version put back. */
  version?: { name: string | null; createdAt: number }
  at: number
}

export const MAX_ACTIVITY_ENTRIES = 50
/** Longer than a reload or a reconnect after a short network cut takes. */
export const DEFAULT_LEAVE_GRACE_MS = 15_000

export interface ActivityLogOptions {
  clock?: LivenessClock
  leaveGraceMs?: number
  /** Called when the list changes on its own (a grace period ran out), not in answer to a setter. */
  onChange?: () => void
}

interface Missing {
  since: number
  timer: unknown
}

export class ActivityLog {
  private entries: ActivityEntry[] = []
  /** The people (other than the reader) last known to be here; null before the first trusted moment. */
  private known: Map<string, Person> | null = null
  /** Known people absent from presence, waiting out the grace period. */
  private readonly missing = new Map<string, Missing>()
  private nextId = 1
  private status: ConnectionStatus = 'connecting'
  private synced = false
  private peers: readonly Peer[] = []
  private wentOffline = false
  private lastRestore: LastRestore | null = null
  private restoresTrusted = false
  private readonly clock: LivenessClock
  private readonly leaveGraceMs: number
  private readonly onChange: () => void

  constructor(options: ActivityLogOptions = {}) {
    this.clock = options.clock ?? systemClock
    this.leaveGraceMs = options.leaveGraceMs ?? DEFAULT_LEAVE_GRACE_MS
    this.onChange = options.onChange ?? (() => {})
  }

  get list(): readonly ActivityEntry[] {
    return this.entries
  }

  /** Returns true when the list changed. */
  setStatus(status: ConnectionStatus): boolean {
    const previous = this.status
    this.status = status
    if (status !== 'connected') this.distrust()
    if (previous === 'connected' && status === 'offline' && this.known !== null) {
      this.wentOffline = true
      this.push({ kind: 'offline' })
      return true
    }
    return false
  }

  setSynced(synced: boolean): boolean {
    this.synced = synced
    if (!synced) this.distrust()
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

  /**
   * The server ended the session for good (the document was deleted, access was taken away).
   * That is what happened, not "You went offline": the offline entry the closing socket just
   * made is replaced.
   */
  setEnded(ending: SessionEnding): boolean {
    this.distrust()
    const latest = this.entries[0]
    if (latest?.kind === 'offline') this.entries = this.entries.slice(1)
    this.wentOffline = false
    this.push({ kind: 'ended', ending })
    return true
  }

  /** Stops the grace timers (the connection is going away). */
  dispose(): void {
    this.distrust()
  }

  private get trusted(): boolean {
    return this.status === 'connected' && this.synced
  }

  /**
   * Presence stops meaning anything: nobody's grace period runs while we cannot see them (it
   * starts again, in full, once presence is trusted again).
   */
  private distrust(): void {
    for (const { timer } of this.missing.values()) this.clock.clearTimeout(timer)
    this.missing.clear()
  }

  private reconcile(): boolean {
    if (!this.trusted) return false
    const current = new Map(
      groupPeople(this.peers)
        .filter((person) => !person.isLocal)
        .map((person) => [person.key, person]),
    )
    const before = this.entries
    if (this.known === null) {
      this.push({ kind: 'you-joined' })
      for (const person of current.values()) this.push({ kind: 'here', name: person.name, color: person.color, person: person.key })
      this.known = current
      return true
    }
    if (this.wentOffline) {
      this.wentOffline = false
      this.push({ kind: 'online' })
    }
    for (const [key, person] of current) {
      const previous = this.known.get(key)
      if (!previous) this.push({ kind: 'joined', name: person.name, color: person.color, person: key })
      else {
        // A colour changes when two people would look alike (color-assignment.ts): not news.
        if (previous.color !== person.color) this.recolor(key, person.color)
        if (previous.name !== person.name) {
          this.push({ kind: 'renamed', name: person.name, previousName: previous.name, color: person.color, person: key })
        }
      }
      this.known.set(key, person)
      const missing = this.missing.get(key)
      if (missing) {
        this.clock.clearTimeout(missing.timer)
        this.missing.delete(key)
      }
    }
    for (const key of this.known.keys()) {
      if (current.has(key) || this.missing.has(key)) continue
      const timer = this.clock.setTimeout(() => this.confirmLeave(key), this.leaveGraceMs)
      this.missing.set(key, { since: this.clock.now(), timer })
    }
    return this.entries !== before
  }

  private confirmLeave(key: string): void {
    const missing = this.missing.get(key)
    const person = this.known?.get(key)
    this.missing.delete(key)
    if (!missing || !person || !this.trusted) return
    this.known?.delete(key)
    this.push({ kind: 'left', name: person.name, color: person.color, person: key }, missing.since)
    this.onChange()
  }

  private recolor(key: string, color: string): void {
    this.entries = this.entries.map((entry) => (entry.person === key ? { ...entry, color } : entry))
  }

  /** Newest first by time (a departure is dated when the person went missing); bounded. */
  private push(entry: Omit<ActivityEntry, 'id' | 'at'>, at = this.clock.now()): void {
    const full: ActivityEntry = { id: this.nextId++, at, ...entry }
    const index = this.entries.findIndex((existing) => existing.at <= at)
    const next = [...this.entries]
    next.splice(index === -1 ? next.length : index, 0, full)
    this.entries = next.slice(0, MAX_ACTIVITY_ENTRIES)
  }
}
