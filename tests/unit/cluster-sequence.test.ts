import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type ClusterMessage, decodeClusterMessage, encodeClusterMessage } from '../../server/cluster/messages'
import { DocSequence } from '../../server/cluster/sequence'

const bytes = (n: number) => new Uint8Array([n])

describe('DocSequence: what one server applied of a document’s log (C2)', () => {
  it('releases updates in seq order, holding back what comes after a hole', () => {
    const sequence = new DocSequence(10)
    expect(sequence.hear(12, { kind: 'update', update: bytes(12) })).toEqual([])
    expect(sequence.hasGap).toBe(true)
    expect(sequence.hear(11, { kind: 'update', update: bytes(11) })).toEqual([bytes(11), bytes(12)])
    expect(sequence.applied).toBe(12)
    expect(sequence.hasGap).toBe(false)
  })

  it('own commits fill holes without being released again; old and repeated seqs are ignored', () => {
    const sequence = new DocSequence(0)
    expect(sequence.hear(2, { kind: 'update', update: bytes(2) })).toEqual([])
    expect(sequence.hear(1, { kind: 'own' })).toEqual([bytes(2)])
    expect(sequence.hear(2, { kind: 'update', update: bytes(2) })).toEqual([])
    expect(sequence.hear(1, { kind: 'update', update: bytes(1) })).toEqual([])
    expect(sequence.applied).toBe(2)
  })

  it('a hint stops the release until storage has been read past it', () => {
    const sequence = new DocSequence(0)
    expect(sequence.hear(1, { kind: 'hint' })).toEqual([])
    expect(sequence.hear(2, { kind: 'update', update: bytes(2) })).toEqual([])
    expect(sequence.hasGap).toBe(true)
    // Storage returned seq 1 (applied by the caller): seq 2, heard already, goes through.
    expect(sequence.caughtUp(1)).toEqual([bytes(2)])
    expect(sequence.applied).toBe(2)
    expect(sequence.hasGap).toBe(false)
  })

  it('catching up past what was heard drops it (storage had it all)', () => {
    const sequence = new DocSequence(3)
    sequence.hear(5, { kind: 'update', update: bytes(5) })
    sequence.hear(7, { kind: 'update', update: bytes(7) })
    expect(sequence.highestKnown).toBe(7)
    expect(sequence.caughtUp(6)).toEqual([bytes(7)])
    expect(sequence.applied).toBe(7)
    expect(sequence.caughtUp(2)).toEqual([])
    expect(sequence.applied).toBe(7)
  })

  it('in any arrival order, every seq is released exactly once and in order (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.tuple(
            fc.shuffledSubarray(
              [...Array(n).keys()].map((i) => i + 1),
              { minLength: n, maxLength: n },
            ),
            fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          ),
        ),
        ([order, own]) => {
          const sequence = new DocSequence(0)
          const released: number[] = []
          for (const seq of order) {
            const heard = own[seq - 1] ? ({ kind: 'own' } as const) : ({ kind: 'update', update: bytes(seq) } as const)
            for (const update of sequence.hear(seq, heard)) released.push(update[0]!)
          }
          const expected = order.filter((seq) => !own[seq - 1]).sort((a, b) => a - b)
          expect(released).toEqual(expected)
          expect(sequence.applied).toBe(order.length)
          expect(sequence.hasGap).toBe(false)
        },
      ),
      // Fixed, like every property test here: the same cases on every run.
      { seed: 20_261_202 },
    )
  })
})

describe('cluster messages', () => {
  const samples: ClusterMessage[] = [
    { kind: 'update', from: 'a1', docId: 'notes', seq: 123456, update: new Uint8Array([1, 2, 3]) },
    { kind: 'hint', from: 'a1', docId: 'notes', seq: 9 },
    { kind: 'presence', from: 'b2', docId: 'x.y', awareness: new Uint8Array([0]) },
    { kind: 'presence-query', from: 'b2', docId: 'x' },
    { kind: 'deleted', from: 'c3', docId: 'gone' },
    { kind: 'revoked', from: 'c3', revocation: { kind: 'user', id: 'mallory', at: 1_764_000_000_123 } },
    { kind: 'leaving', from: 'd4' },
  ]

  it('round-trip every kind', () => {
    for (const message of samples) expect(decodeClusterMessage(encodeClusterMessage(message))).toEqual(message)
  })

  it('malformed bytes throw (the cluster drops them) instead of yielding a wrong message', () => {
    expect(() => decodeClusterMessage(new Uint8Array([]))).toThrow()
    expect(() => decodeClusterMessage(new Uint8Array([42, 0]))).toThrow()
    const update = encodeClusterMessage(samples[0]!)
    expect(() => decodeClusterMessage(update.subarray(0, update.length - 2))).toThrow()
  })
})
