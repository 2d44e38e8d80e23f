import type { Storage } from '../storage/storage'

/**
 * One "seed" at a time per document (`?ifEmpty=true`, SPEC H7): a check that the content is
 * empty and the write that fills it must not interleave with another's, or two callers both
 * see it empty and the text lands twice.
 *
 * Two layers. In this process, an async mutex per document: callers queue here, so a burst
 * costs one waiter on the database, not one pooled connection each (a pool full of waiters
 * would leave the lock holder's own commit without a connection). Across the processes of a
 * cluster, the storage's own lock when it has one (PostgreSQL: a session advisory lock); a
 * single-process backend (SQLite, memory) needs nothing more.
 */
export class SeedLocks {
  /** The tail of each document's queue: the next caller waits for it. */
  private readonly tails = new Map<string, Promise<void>>()

  constructor(private readonly storage: Pick<Storage, 'withSeedLock'>) {}

  async run<T>(docId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(docId) ?? Promise.resolve()
    let release = () => {}
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => mine)
    this.tails.set(docId, tail)
    await previous
    try {
      return await (this.storage.withSeedLock ? this.storage.withSeedLock(docId, fn) : fn())
    } finally {
      release()
      if (this.tails.get(docId) === tail) this.tails.delete(docId)
    }
  }
}
