import { describe, expect, it } from 'vitest'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { groupPeople, readPeers, setLocalUser, subscribePeers } from '../../lib/client/presence'

/** Two real Awareness instances with updates copied across, as a relaying server would. */
function pair() {
  const a = new Awareness(new Y.Doc())
  const b = new Awareness(new Y.Doc())
  const relay = (from: Awareness, to: Awareness) => {
    from.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
      applyAwarenessUpdate(to, encodeAwarenessUpdate(from, [...added, ...updated, ...removed]), 'relay')
    })
  }
  relay(a, b)
  relay(b, a)
  return { a, b }
}

describe('presence', () => {
  it('lists the local user first and peers by name', () => {
    const { a, b } = pair()
    setLocalUser(b, { name: 'Zoë', color: '#2f855a' })
    setLocalUser(a, { name: 'Ada', color: '#c53030' })
    const seenByB = readPeers(b)
    expect(seenByB.map((p) => [p.name, p.isLocal])).toEqual([
      ['Zoë', true],
      ['Ada', false],
    ])
    expect(seenByB[1]?.clientId).toBe(a.clientID)
  })

  it('ignores states without a user and sanitises bad colours', () => {
    const { a, b } = pair()
    a.setLocalState({ cursor: null })
    expect(readPeers(b).filter((p) => !p.isLocal)).toEqual([])
    a.setLocalState({ user: { name: 'Mallory', color: 'red; background: url(x)' } })
    expect(readPeers(b).find((p) => p.name === 'Mallory')?.color).toBe('#718096')
  })

  it('notifies on join, rename and leave but not on cursor moves', () => {
    const { a, b } = pair()
    setLocalUser(b, { name: 'Bob', color: '#2b6cb0' })
    const calls: string[][] = []
    const unsubscribe = subscribePeers(b, (peers) => calls.push(peers.map((p) => p.name)))
    setLocalUser(a, { name: 'Ada', color: '#c53030' })
    a.setLocalStateField('cursor', { anchor: 1, head: 1 })
    a.setLocalStateField('cursor', { anchor: 2, head: 2 })
    setLocalUser(a, { name: 'Ada L.', color: '#c53030' })
    removeAwarenessStates(a, [a.clientID], 'left')
    expect(calls).toEqual([['Bob', 'Ada'], ['Bob', 'Ada L.'], ['Bob']])
    unsubscribe()
    setLocalUser(a, { name: 'Ada', color: '#c53030' })
    expect(calls.length).toBe(3)
  })

  it('folds several tabs of one person together', () => {
    const people = groupPeople([
      { clientId: 1, name: 'Ada', color: '#c53030', isLocal: true },
      { clientId: 2, name: 'Ada', color: '#c53030', isLocal: false },
      { clientId: 3, name: 'Ada', color: '#2b6cb0', isLocal: false },
    ])
    expect(people.map((p) => [p.name, p.clientIds, p.isLocal])).toEqual([
      ['Ada', [1, 2], true],
      ['Ada', [3], false],
    ])
  })
})
