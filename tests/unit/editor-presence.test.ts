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
    setLocalUser(b, { name: 'Zoë', color: '#2f855a' }, 0)
    setLocalUser(a, { name: 'Ada', color: '#c53030' }, 0)
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
    setLocalUser(b, { name: 'Bob', color: '#2b6cb0' }, 0)
    const calls: string[][] = []
    const unsubscribe = subscribePeers(b, (peers) => calls.push(peers.map((p) => p.name)))
    setLocalUser(a, { name: 'Ada', color: '#c53030' }, 0)
    a.setLocalStateField('cursor', { anchor: 1, head: 1 })
    a.setLocalStateField('cursor', { anchor: 2, head: 2 })
    setLocalUser(a, { name: 'Ada L.', color: '#c53030' }, 0)
    removeAwarenessStates(a, [a.clientID], 'left')
    expect(calls).toEqual([['Bob', 'Ada'], ['Bob', 'Ada L.'], ['Bob']])
    unsubscribe()
    setLocalUser(a, { name: 'Ada', color: '#c53030' }, 0)
    expect(calls.length).toBe(3)
  })

  it('reads who a connection belongs to, and treats connections without an id as people of their own', () => {
    const { a, b } = pair()
    setLocalUser(a, { name: 'Ada', color: '#0e7caf', id: 'ada-browser' }, 1234)
    b.setLocalState({ user: { name: 'Old client', color: '#0e7caf' } })
    const seenByB = readPeers(b)
    expect(seenByB.find((p) => p.name === 'Ada')).toMatchObject({ personKey: 'id:ada-browser', since: 1234 })
    expect(seenByB.find((p) => p.name === 'Old client')).toMatchObject({ personKey: `client:${b.clientID}`, since: 0 })
    a.setLocalState({ user: { name: 'Mallory', color: '#0e7caf', id: 'x'.repeat(300), since: 'soon' } })
    expect(readPeers(b).find((p) => p.name === 'Mallory')).toMatchObject({ personKey: `client:${a.clientID}`, since: 0 })
  })

  it('folds the tabs of one person together, by id and not by name or colour', () => {
    const peer = (clientId: number, personKey: string, name: string, color: string, since: number, isLocal = false) => ({
      clientId,
      personKey,
      name,
      color,
      since,
      isLocal,
    })
    const people = groupPeople([
      peer(1, 'id:me', 'Ada', '#d807a7', 20, true),
      peer(2, 'id:me', 'Ada (old name)', '#178703', 10),
      peer(3, 'id:other', 'Ada', '#d807a7', 5),
      peer(4, 'id:other', 'Ada', '#d807a7', 30),
    ])
    expect(people.map((p) => [p.key, p.name, p.color, p.since, p.clientIds, p.isLocal])).toEqual([
      ['id:me', 'Ada', '#d807a7', 10, [1, 2], true],
      ['id:other', 'Ada', '#d807a7', 5, [3, 4], false],
    ])
  })
})
