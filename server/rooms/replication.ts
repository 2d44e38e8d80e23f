import type { SequencedDocument } from '../storage/storage'

/**
 * The seam between rooms and whatever keeps several servers' copies of a document in step
 * (server/cluster, over Redis). Rooms know nothing of Redis: they open a replica before they
 * load, tell it what they committed and what their clients' presence did, and take what it
 * brings from the other servers. Without a cluster, rooms have no replication at all.
 */
export interface Replication {
  /**
   * Starts listening to the other servers about `docId`; resolves once listening, so that
   * nothing committed elsewhere can fall between this and the load that follows (C2).
   */
  open(docId: string): Promise<DocReplica>
  /** This server deleted `docId` (stored, tombstoned): the others close its connections. */
  documentDeleted(docId: string): void
}

export interface DocReplica {
  /** Reads the document with the seq it is stored up to. */
  load(): Promise<SequencedDocument>
  /** The room is loaded up to `lastSeq`; from now on the replica feeds `target`. */
  bind(target: ReplicaTarget, lastSeq: number): void
  /**
   * Applies to the room everything stored before this call (what the other servers committed
   * and this server has not heard of yet), reading storage; rejects if storage cannot be read.
   * For a check that must see every other server's writes (a seed, H7).
   */
  catchUp(): Promise<void>
  /** This server stored `update` as seq `seq` (and has relayed it to its own clients). */
  committed(seq: number, update: Uint8Array): void
  /** This server's clients' presence changed (an awareness update of the changed clients). */
  presenceChanged(awareness: Uint8Array): void
  /** The room is gone: stop listening. */
  close(): void
}

/** What a replica does to the room it feeds. */
export interface ReplicaTarget {
  /**
   * Updates other servers committed, in seq order: apply them and relay them to the clients
   * here. `fresh`: each one is new here (heard once, in order), so it can be relayed as it
   * came; otherwise (read back from storage, this server's own among them) only what the
   * document lacked is relayed.
   */
  applyRemote(updates: readonly Uint8Array[], fresh: boolean): void
  /** Presence of another server's clients; `owner` stands for that server. */
  remotePresence(owner: object, awareness: Uint8Array): void
  /** That server is gone: remove its clients' presence and tell the clients here. */
  forgetPresenceOf(owner: object): void
  /** The presence of this server's own clients, for a server that asks; null if none. */
  localPresence(): Uint8Array | null
  /** The document was deleted on another server: close its connections (4404). */
  deleted(): void
}
