import type { Revocation, RevocationStore } from '../storage/revocation-store'
import type { Identity } from './claims'

/**
 * Revoked users and documents, kept in memory for the per-connection check and persisted in
 * a revocation store so a restart does not forgive anyone. A token issued at or before the
 * revocation instant is refused from then on; tokens minted afterwards work again.
 */
export class RevocationList {
  private readonly byKey = new Map<string, number>()

  constructor(private readonly store: RevocationStore) {}

  /** Reads what the store holds; call once before serving. */
  async load(): Promise<void> {
    for (const revocation of await this.store.list()) this.remember(revocation)
  }

  /** Stores the revocation first, so a refusal the caller announces survives a crash. */
  async revoke(kind: Revocation['kind'], id: string, at: number): Promise<void> {
    await this.store.add({ kind, id, at })
    this.remember({ kind, id, at })
  }

  /** Every revocation as stored (the admin API lists them). */
  stored(): Promise<Revocation[]> {
    return this.store.list()
  }

  /** A revocation another server stored (it reached this one over the cluster, C4). */
  learn(revocation: Revocation): void {
    this.remember(revocation)
  }

  isRevoked(identity: Identity, docId: string | null): boolean {
    const userCutoff = this.byKey.get(`user:${identity.userId}`)
    if (userCutoff !== undefined && identity.issuedAt <= userCutoff) return true
    if (docId === null) return false
    const docCutoff = this.byKey.get(`document:${docId}`)
    return docCutoff !== undefined && identity.issuedAt <= docCutoff
  }

  private remember(revocation: Revocation): void {
    const key = `${revocation.kind}:${revocation.id}`
    this.byKey.set(key, Math.max(this.byKey.get(key) ?? 0, revocation.at))
  }
}
