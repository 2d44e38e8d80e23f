import * as Y from 'yjs'

/**
 * What the server makes of an incoming Yjs update, before it touches the document:
 * - 'invalid'   does not decode (malformed or truncated): Yjs applies structs before it reads
 *               the delete set, so applying it directly could leave a valid prefix applied;
 * - 'empty'     carries nothing (a client with nothing new answering sync step 1);
 * - 'missing-dependencies'  refers to content the document does not have and the update does
 *               not bring (an origin, a parent, a gap in a client's clock, a deletion of
 *               something unknown), or to itself. Yjs would keep such structs pending inside the
 *               document and mix them into every later encoding — so a forged update could make
 *               newcomers see other content than everyone else, and a self-referencing one makes
 *               Yjs throw half-way. It is not applied; the room asks the client to resync;
 * - 'ok'        safe to apply.
 */
export type UpdateCheck = 'ok' | 'empty' | 'invalid' | 'missing-dependencies'

type Struct = Y.Item | Y.GC | Y.Skip
type DeleteSet = ReturnType<typeof Y.decodeUpdate>['ds']

export function checkUpdate(doc: Y.Doc, update: Uint8Array): UpdateCheck {
  if (update.length === 2 && update[0] === 0 && update[1] === 0) return 'empty'
  let decoded: { structs: Struct[]; ds: DeleteSet }
  try {
    decoded = Y.decodeUpdate(update) as { structs: Struct[]; ds: DeleteSet }
  } catch {
    return 'invalid'
  }
  if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return 'empty'
  return dependenciesSatisfied(doc, decoded.structs, decoded.ds) ? 'ok' : 'missing-dependencies'
}

/**
 * Simulates integration: per client, structs integrate in clock order, each once everything it
 * refers to is available (already in the document, or integrated earlier from this update).
 * Rounds repeat while anything progresses, so cross-client references within the update
 * resolve in any order; whatever is left over would stay pending in Yjs.
 */
function dependenciesSatisfied(doc: Y.Doc, structs: readonly Struct[], ds: DeleteSet): boolean {
  const queues = new Map<number, Struct[]>()
  for (const struct of structs) {
    const queue = queues.get(struct.id.client)
    if (queue) queue.push(struct)
    else queues.set(struct.id.client, [struct])
  }
  /** Clocks below this are available, per client. */
  const available = new Map<number, number>()
  const availableUntil = (client: number): number => {
    let clock = available.get(client)
    if (clock === undefined) {
      clock = Y.getState(doc.store, client)
      available.set(client, clock)
    }
    return clock
  }
  const has = (id: Y.ID | null): boolean => id === null || id.clock < availableUntil(id.client)
  const next = new Map<number, number>()
  let remaining = structs.length
  let progressed = true
  while (remaining > 0 && progressed) {
    progressed = false
    for (const [client, queue] of queues) {
      let index = next.get(client) ?? 0
      while (index < queue.length) {
        const struct = queue[index]!
        const start = struct.id.clock
        const end = start + struct.length
        const until = availableUntil(client)
        if (start > until) break // a gap in this client's clocks
        if (struct instanceof Y.Skip) {
          if (end > until) break // a hole that the document does not fill
        } else if (struct instanceof Y.Item) {
          const parent = struct.parent instanceof Y.ID ? struct.parent : null
          if (!has(struct.origin) || !has(struct.rightOrigin) || !has(parent)) break
        }
        available.set(client, Math.max(until, end))
        index++
        remaining--
        progressed = true
      }
      next.set(client, index)
    }
  }
  if (remaining > 0) return false
  for (const [client, ranges] of ds.clients) {
    const until = availableUntil(client)
    for (const range of ranges) if (range.clock + range.len > until) return false
  }
  return true
}
