import { describe, expect, it } from 'vitest'
import { Compactor } from '../../server/rooms/compactor'
import type { Log } from '../../server/rooms/log'
import { MemoryStorage } from '../../server/storage/memory'
import type { CompactionResult } from '../../server/storage/storage'
import { GatedStorage } from '../helpers/gated-storage'
import { ManualScheduler, settle } from '../helpers/manual-scheduler'

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} }

async function setup() {
  const scheduler = new ManualScheduler()
  const storage = new GatedStorage(new MemoryStorage())
  for (const docId of ['a', 'b']) {
    await storage.append([{ docId, update: new Uint8Array([0, 0]) }], 1)
    await storage.append([{ docId, update: new Uint8Array([0, 0]) }], 2)
  }
  const compactor = new Compactor({ storage, logger: quiet, scheduler })
  const results = new Map<string, CompactionResult | null>()
  const request = (docId: string) => compactor.request(docId, (result) => results.set(docId, result))
  return { scheduler, storage, compactor, results, request }
}

describe('compactor', () => {
  it('[L4] compacts in a later turn, one document at a time, and once per document however often it is asked', async () => {
    const { scheduler, storage, compactor, results, request } = await setup()
    request('a')
    request('a')
    request('b')
    expect(storage.compactCalls).toBe(0)
    expect(compactor.isQueued('a')).toBe(true)
    expect(scheduler.runDeferred()).toBe(true)
    await settle()
    expect(storage.compactCalls).toBe(1)
    expect(results.get('a')).toEqual({ mergedUpdates: 2, snapshotBytes: expect.any(Number) })
    expect(compactor.isQueued('a')).toBe(false)
    // The next one was scheduled only when the first had finished.
    expect(scheduler.runDeferred()).toBe(true)
    await settle()
    expect(storage.compactCalls).toBe(2)
    expect(results.get('b')?.mergedUpdates).toBe(2)
    expect(scheduler.deferredTasks).toBe(0)
  })

  it('[S1] stop() skips what is queued and resolves exactly when the running compaction finishes', async () => {
    const { scheduler, storage, compactor, results, request } = await setup()
    const release = storage.holdCompactions()
    request('a')
    request('b')
    scheduler.runDeferred()
    await settle()
    expect(storage.compactCalls).toBe(1)
    let stopped = false
    const stopping = compactor.stop().then(() => (stopped = true))
    await settle()
    expect(results.get('b')).toBeNull()
    expect(stopped).toBe(false)
    release()
    await stopping
    expect(results.get('a')?.mergedUpdates).toBe(2)
    // Nothing else runs after a stop, and a stop with nothing running resolves at once.
    request('b')
    expect(scheduler.deferredTasks).toBe(0)
    await compactor.stop()
    expect(storage.compactCalls).toBe(1)
  })
})
