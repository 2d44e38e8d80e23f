/**
 * What one server knows of one document's log in a cluster (C2): the seq up to which it
 * holds every update (`applied`), and what it heard of beyond that, out of order.
 *
 * Updates arrive from three places — this server's own commits (already in its Y.Doc), other
 * servers' messages over Redis (which may arrive late, out of order, or never), and reads from
 * PostgreSQL — and are released strictly in seq order. A hole (a message not arrived, or a
 * hint whose bytes must be read from PostgreSQL) stops the release: `hasGap` tells the owner to
 * catch up from storage, which is the one source that is never wrong.
 */
export type Heard =
  /** Committed by this server: already applied locally, nothing to release. */
  | { readonly kind: 'own' }
  /** Another server's update, with its bytes. */
  | { readonly kind: 'update'; readonly update: Uint8Array }
  /** Another server's update, too large to travel: read it from storage. */
  | { readonly kind: 'hint' }

export class DocSequence {
  private appliedSeq: number
  private readonly ahead = new Map<number, Heard>()

  constructor(applied: number) {
    this.appliedSeq = applied
  }

  /** Every update with seq ≤ this is applied here. */
  get applied(): number {
    return this.appliedSeq
  }

  /** Something beyond `applied` is known but cannot be released yet: a catch-up is needed. */
  get hasGap(): boolean {
    return this.ahead.size > 0
  }

  /** The highest seq heard of (≥ applied). */
  get highestKnown(): number {
    let highest = this.appliedSeq
    for (const seq of this.ahead.keys()) if (seq > highest) highest = seq
    return highest
  }

  /** Records `heard` at `seq` and returns the updates that can now be applied, in seq order. */
  hear(seq: number, heard: Heard): Uint8Array[] {
    if (seq <= this.appliedSeq || this.ahead.has(seq)) return []
    this.ahead.set(seq, heard)
    return this.release()
  }

  /**
   * Storage was read up to `lastSeq` and what it returned is applied: everything up to there is
   * done; returns what that lets through beyond it.
   */
  caughtUp(lastSeq: number): Uint8Array[] {
    if (lastSeq > this.appliedSeq) this.appliedSeq = lastSeq
    for (const seq of this.ahead.keys()) if (seq <= this.appliedSeq) this.ahead.delete(seq)
    return this.release()
  }

  private release(): Uint8Array[] {
    const ready: Uint8Array[] = []
    for (;;) {
      const next = this.ahead.get(this.appliedSeq + 1)
      if (next === undefined || next.kind === 'hint') return ready
      this.ahead.delete(this.appliedSeq + 1)
      this.appliedSeq++
      if (next.kind === 'update') ready.push(next.update)
    }
  }
}
