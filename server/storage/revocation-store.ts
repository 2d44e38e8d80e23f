/**
 * The revocation seam. Revocations are not document storage: they are a short list of cutoffs
 * that every server of a deployment must share, so each backend keeps them in a store of its
 * own (memory-revocation-store.ts, sqlite-revocation-store.ts, postgres-revocation-store.ts).
 * The list of revoked users and documents checked on every connection is kept in memory by
 * `server/auth/revocations.ts`; this store is what makes it survive a restart.
 *
 * Contract (tests/unit/revocation-store-contract.test.ts runs it against every backend):
 * - `add` records one revocation per user or document: a later `add` for the same kind and id
 *   replaces the earlier one, whatever its time.
 * - `list` returns every recorded revocation, in no particular order.
 * - A persistent store still lists what it recorded after being reopened.
 */

/** Access revoked for a user or a document at `at` (ms): tokens issued until then are refused. */
export interface Revocation {
  readonly kind: 'user' | 'document'
  readonly id: string
  readonly at: number
}

export interface RevocationStore {
  /** Records a revocation, replacing an earlier one for the same user or document. */
  add(revocation: Revocation): Promise<void>
  /** Every recorded revocation. */
  list(): Promise<Revocation[]>
}
