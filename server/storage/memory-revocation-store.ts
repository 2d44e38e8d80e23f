import type { Revocation, RevocationStore } from './revocation-store'

/** Revocations in process memory: for tests and throwaway servers (a restart forgets them). */
export class MemoryRevocationStore implements RevocationStore {
  private readonly byKey = new Map<string, Revocation>()

  async add(revocation: Revocation): Promise<void> {
    this.byKey.set(`${revocation.kind}:${revocation.id}`, { kind: revocation.kind, id: revocation.id, at: revocation.at })
  }

  async list(): Promise<Revocation[]> {
    return [...this.byKey.values()].map((revocation) => ({ ...revocation }))
  }
}
