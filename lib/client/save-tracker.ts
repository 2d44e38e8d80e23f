import * as Y from 'yjs'

/**
 * Knows which local changes the server has stored, from nothing but the standard y-websocket
 * traffic, and how many are still waiting.
 *
 * Contract with the server: it commits an update to storage before relaying it, and relays it
 * to every connection of the room including the sender. So a change is stored once the server
 * has shown us that it has it:
 *  - inserts advance the author's clock: stored when a server message (an echoed update, a
 *    sync step 2, or the state vector of its sync step 1) reaches that clock;
 *  - deletions do not advance any clock: each deleted range stays pending until a delete set
 *    from the server covers it (an echoed update, or the full delete set of a sync step 2).
 *
 * Echoes must be read from the raw messages: applying an update we already have changes
 * nothing, so the Y.Doc emits no 'update' event for it.
 *
 * A "change" is one local transaction (a keystroke, a paste, a formatting command). The
 * pending set can be written down (`snapshot`) and read back (`restore`) so that a reload
 * still knows which of the changes in the device's local copy the server has not seen; a
 * restored snapshot counts as its number of changes until all of it is confirmed.
 */

interface Range {
  clock: number
  len: number
}

interface PendingChange {
  /** Exclusive end clock this change reached, per client id it wrote as. */
  readonly clocks: Map<number, number>
  /** Ranges it deleted that the server has not confirmed, per owner client id. */
  deletes: Map<number, Range[]>
  /** How many changes this entry stands for (more than one for a restored snapshot). */
  readonly weight: number
}

/** The pending changes as plain data (JSON-safe), for the local copy. */
export interface PendingSnapshot {
  count: number
  clocks: Array<[client: number, clock: number]>
  deletes: Array<[client: number, clock: number, len: number]>
}

export class SaveTracker {
  /** Highest clock the server has confirmed, per client id. */
  private readonly confirmed = new Map<number, number>()
  private pending: PendingChange[] = []
  private version = 0

  /** A change made on this device (any transaction not applied from the server). */
  recordLocalUpdate(update: Uint8Array): void {
    const { to } = Y.parseUpdateMeta(update)
    const clocks = new Map<number, number>()
    for (const [client, clock] of to) {
      if (clock > (this.confirmed.get(client) ?? 0)) clocks.set(client, clock)
    }
    const deletes = new Map<number, Range[]>()
    for (const [client, items] of Y.decodeUpdate(update).ds.clients) {
      if (items.length > 0)
        deletes.set(
          client,
          items.map((item) => ({ clock: item.clock, len: item.len })),
        )
    }
    // A transaction that changed nothing we must confirm (e.g. a no-op) is not a change.
    if (clocks.size === 0 && deletes.size === 0) return
    this.pending.push({ clocks, deletes, weight: 1 })
    this.version++
  }

  /** An update (relayed update or sync step 2) that came from the server. */
  recordServerUpdate(update: Uint8Array): void {
    const { to } = Y.parseUpdateMeta(update)
    this.confirmClocks(to)
    if (this.pending.some((change) => change.deletes.size > 0)) {
      const { ds } = Y.decodeUpdate(update)
      for (const change of this.pending) {
        if (change.deletes.size === 0) continue
        for (const [client, items] of ds.clients) {
          const ranges = change.deletes.get(client)
          if (!ranges) continue
          const rest = subtractRanges(ranges, items)
          if (rest.length > 0) change.deletes.set(client, rest)
          else change.deletes.delete(client)
        }
      }
    }
    this.dropConfirmed()
  }

  /** The server's state vector (its sync step 1). */
  recordServerStateVector(stateVector: Map<number, number>): void {
    this.confirmClocks(stateVector)
    this.dropConfirmed()
  }

  get isSaved(): boolean {
    return this.pending.length === 0
  }

  /** How many local changes the server has not confirmed. */
  get pendingCount(): number {
    let count = 0
    for (const change of this.pending) count += change.weight
    return count
  }

  /** True when only deletions are unconfirmed (the server may have had them already). */
  get onlyDeletesPending(): boolean {
    return this.pending.length > 0 && this.pending.every((change) => change.clocks.size === 0)
  }

  /** Grows with every change to the pending set: a snapshot taken at version v covers it. */
  get changeVersion(): number {
    return this.version
  }

  snapshot(): PendingSnapshot {
    const clocks = new Map<number, number>()
    const deletes: PendingSnapshot['deletes'] = []
    for (const change of this.pending) {
      for (const [client, clock] of change.clocks) clocks.set(client, Math.max(clock, clocks.get(client) ?? 0))
      for (const [client, ranges] of change.deletes) for (const r of ranges) deletes.push([client, r.clock, r.len])
    }
    return { count: this.pendingCount, clocks: [...clocks], deletes }
  }

  /** Adds what a snapshot says was pending (from an earlier page) to what is pending now. */
  restore(snapshot: PendingSnapshot): void {
    if (snapshot.count <= 0) return
    const clocks = new Map<number, number>()
    for (const [client, clock] of snapshot.clocks) {
      if (clock > (this.confirmed.get(client) ?? 0)) clocks.set(client, clock)
    }
    const deletes = new Map<number, Range[]>()
    for (const [client, clock, len] of snapshot.deletes) {
      const list = deletes.get(client) ?? []
      list.push({ clock, len })
      deletes.set(client, list)
    }
    if (clocks.size === 0 && deletes.size === 0) return
    this.pending.push({ clocks, deletes, weight: snapshot.count })
    this.version++
  }

  private confirmClocks(clocks: Map<number, number>): void {
    for (const [client, clock] of clocks) {
      if (clock > (this.confirmed.get(client) ?? 0)) this.confirmed.set(client, clock)
    }
  }

  private dropConfirmed(): void {
    const before = this.pending.length
    this.pending = this.pending.filter((change) => {
      if (change.deletes.size > 0) return true
      for (const [client, clock] of change.clocks) {
        if ((this.confirmed.get(client) ?? 0) < clock) return true
      }
      return false
    })
    if (this.pending.length !== before) this.version++
  }
}

/** `pending` minus the union of `covered`; both are lists of [clock, clock + len) ranges. */
export function subtractRanges(pending: readonly Range[], covered: readonly Range[]): Range[] {
  let rest: Range[] = pending.map((r) => ({ ...r }))
  for (const cut of covered) {
    const cutEnd = cut.clock + cut.len
    const next: Range[] = []
    for (const r of rest) {
      const end = r.clock + r.len
      if (cutEnd <= r.clock || cut.clock >= end) {
        next.push(r)
        continue
      }
      if (cut.clock > r.clock) next.push({ clock: r.clock, len: cut.clock - r.clock })
      if (cutEnd < end) next.push({ clock: cutEnd, len: end - cutEnd })
    }
    rest = next
    if (rest.length === 0) break
  }
  return rest
}
