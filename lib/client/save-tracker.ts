import * as Y from 'yjs'

/**
 * Knows whether every local change has been stored by the server, from nothing but the
 * standard y-websocket traffic.
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
 */

interface Range {
  clock: number
  len: number
}

export class SaveTracker {
  /** Highest clock we produced, per client id we wrote as (the id can change in rare conflicts). */
  private readonly authored = new Map<number, number>()
  /** Highest clock the server has confirmed, per client id. */
  private readonly confirmed = new Map<number, number>()
  /** Locally deleted ranges the server has not confirmed yet, per owner client id. */
  private readonly pendingDeletes = new Map<number, Range[]>()

  /** A change made on this side (any transaction whose origin is not the provider). */
  recordLocalUpdate(update: Uint8Array): void {
    const { to } = Y.parseUpdateMeta(update)
    for (const [client, clock] of to) {
      if (clock > (this.authored.get(client) ?? 0)) this.authored.set(client, clock)
    }
    const { ds } = Y.decodeUpdate(update)
    for (const [client, items] of ds.clients) {
      const list = this.pendingDeletes.get(client) ?? []
      for (const item of items) list.push({ clock: item.clock, len: item.len })
      if (list.length > 0) this.pendingDeletes.set(client, list)
    }
  }

  /** An update (relayed update or sync step 2) that came from the server. */
  recordServerUpdate(update: Uint8Array): void {
    const { to } = Y.parseUpdateMeta(update)
    this.confirmClocks(to)
    if (this.pendingDeletes.size === 0) return
    const { ds } = Y.decodeUpdate(update)
    for (const [client, items] of ds.clients) {
      const pending = this.pendingDeletes.get(client)
      if (!pending) continue
      const rest = subtractRanges(pending, items)
      if (rest.length > 0) this.pendingDeletes.set(client, rest)
      else this.pendingDeletes.delete(client)
    }
  }

  /** The server's state vector (its sync step 1). */
  recordServerStateVector(stateVector: Map<number, number>): void {
    this.confirmClocks(stateVector)
  }

  get isSaved(): boolean {
    if (this.pendingDeletes.size > 0) return false
    for (const [client, clock] of this.authored) {
      if ((this.confirmed.get(client) ?? 0) < clock) return false
    }
    return true
  }

  /** True when only deletions are unconfirmed (the server may have had them already). */
  get onlyDeletesPending(): boolean {
    if (this.pendingDeletes.size === 0) return false
    for (const [client, clock] of this.authored) {
      if ((this.confirmed.get(client) ?? 0) < clock) return false
    }
    return true
  }

  private confirmClocks(clocks: Map<number, number>): void {
    for (const [client, clock] of clocks) {
      if (!this.authored.has(client)) continue
      if (clock > (this.confirmed.get(client) ?? 0)) this.confirmed.set(client, clock)
    }
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
