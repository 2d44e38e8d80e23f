import * as encoding from 'lib0/encoding'
import type { AwarenessEntry } from '../../lib/protocol'

interface ClientPresence {
  clock: number
  /** The state as the client sent it (JSON text), or null after it left. */
  json: string | null
  /** The connection that last spoke for this client id. */
  owner: object | null
}

/**
 * The awareness (presence) states of one room, in memory only — presence is never stored.
 *
 * It follows y-protocols' clock rule (a state replaces another only with a higher clock, or
 * the same clock when it is a removal) and remembers which connection introduced each client
 * id, so a closing connection's carets can be removed at once. States are kept as the JSON
 * text the client sent, so relaying and re-encoding never re-serialise.
 */
export class RoomPresence {
  private readonly clients = new Map<number, ClientPresence>()
  /** The name each connection last announced (`user.name`), for "edited by" in open mode. */
  private readonly names = new WeakMap<object, string>()

  /** Applies validated entries from `owner`; returns the client ids whose state changed. */
  apply(entries: readonly AwarenessEntry[], owner: object): number[] {
    const changed: number[] = []
    for (const entry of entries) {
      const current = this.clients.get(entry.clientId)
      const isRemoval = entry.state === null
      const accepted =
        current === undefined || current.clock < entry.clock || (current.clock === entry.clock && isRemoval && current.json !== null)
      if (!accepted) continue
      this.clients.set(entry.clientId, {
        clock: entry.clock,
        json: isRemoval ? null : entry.json,
        owner: isRemoval ? null : owner,
      })
      changed.push(entry.clientId)
      // Already parsed by the decoder: reading the name costs nothing more.
      const user = entry.state?.user
      const name = typeof user === 'object' && user !== null ? (user as { name?: unknown }).name : undefined
      if (typeof name === 'string' && name !== '') this.names.set(owner, name)
    }
    return changed
  }

  /** The name `owner` (a connection) last announced in its presence, if any. */
  nameOf(owner: object): string | undefined {
    return this.names.get(owner)
  }

  /**
   * Marks every client id owned by `owner` as gone and returns the awareness update that tells
   * the others, or null when the owner had no live state. The removal keeps the client's clock
   * (state null at the same clock, which every peer accepts, as the reference server sends it):
   * only the client itself moves its clock on, so when it comes back and announces itself at
   * its next clock, the server and every peer take it.
   */
  removeOwnedBy(owner: object): Uint8Array | null {
    const removed: number[] = []
    for (const [clientId, presence] of this.clients) {
      if (presence.owner !== owner || presence.json === null) continue
      presence.json = null
      presence.owner = null
      removed.push(clientId)
    }
    return removed.length === 0 ? null : this.encode(removed)
  }

  /** An awareness update with the current state (or removal) of `clientIds`; unknown ids are left out. */
  encode(clientIds: Iterable<number>): Uint8Array {
    const entries: Array<[number, ClientPresence]> = []
    for (const clientId of clientIds) {
      const presence = this.clients.get(clientId)
      if (presence) entries.push([clientId, presence])
    }
    return encodeEntries(entries)
  }

  /**
   * An awareness update with every live state, for a newcomer or a query (or only the states
   * whose owner `owned` picks, e.g. this server's own clients for another server); null if none.
   */
  encodeAll(owned?: (owner: object) => boolean): Uint8Array | null {
    const live: Array<[number, ClientPresence]> = []
    for (const entry of this.clients) {
      const { json, owner } = entry[1]
      if (json !== null && (owned === undefined || (owner !== null && owned(owner)))) live.push(entry)
    }
    return live.length === 0 ? null : encodeEntries(live)
  }

  /** Live states by client id (parsed), for inspection and the REST API. */
  states(): Map<number, unknown> {
    const result = new Map<number, unknown>()
    for (const [clientId, presence] of this.clients) {
      if (presence.json !== null) result.set(clientId, JSON.parse(presence.json))
    }
    return result
  }
}

/**
 * The one awareness encoder: varUint(n) • n × (varUint(clientId) • varUint(clock) • varString(json)),
 * with "null" for a client that left (lib/protocol/PROTOCOL.md).
 */
function encodeEntries(entries: ReadonlyArray<readonly [number, ClientPresence]>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const [clientId, presence] of entries) {
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, presence.clock)
    encoding.writeVarString(encoder, presence.json ?? 'null')
  }
  return encoding.toUint8Array(encoder)
}
