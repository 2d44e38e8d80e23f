import type { Revocation, Storage } from '../storage/storage'
import type { Identity } from './claims'

/**
 * Revoked users and documents, kept in memory for the per-connection check and persisted in
 * storage so a restart does not forgive anyone. A token issued at or before the revocation
 * instant is refused from then on; tokens minted afterwards work again.
 */
export class RevocationList {
  private readonly byKey = new Map<string, number>()

  constructor(private readonly storage: Storage) {}

  async load(): Promise<void> {
    for (const revocation of await this.storage.listRevocations()) this.remember(revocation)
  }

  async revoke(kind: Revocation['kind'], id: string, at: number): Promise<void> {
    await this.storage.addRevocation({ kind, id, at })
    this.remember({ kind, id, at })
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
