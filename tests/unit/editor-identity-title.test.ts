import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { colorForSeed, initialsOf, type KeyValueStore, loadIdentity, normalizeName, saveName, USER_COLORS } from '../../lib/client/identity'
import { formatRelativeTime } from '../../lib/client/relative-time'
import { bindTitleInput, mapPosition } from '../../lib/client/title-binding'
import { collabUrlFromLocation } from '../../lib/client/urls'
import { FakeInput } from '../helpers/fake-input'

const memoryStore = (): KeyValueStore & { map: Map<string, string> } => {
  const map = new Map<string, string>()
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) }
}

describe('identity', () => {
  it('persists a random id and derives a stable palette colour from it', () => {
    const store = memoryStore()
    const first = loadIdentity(store)
    const again = loadIdentity(store)
    expect(first.id).toBe(again.id)
    expect(first.color).toBe(again.color)
    expect(USER_COLORS).toContain(first.color)
    expect(first.name).toBeNull()
    expect(colorForSeed('x')).toBe(colorForSeed('x'))
  })

  it('?name= overrides without being stored; a chosen name is remembered', () => {
    const store = memoryStore()
    expect(loadIdentity(store, '  Ada  ').name).toBe('Ada')
    expect(loadIdentity(store).name).toBeNull()
    expect(saveName(store, ' Grace\tHopper ')).toBe('Grace Hopper')
    expect(loadIdentity(store).name).toBe('Grace Hopper')
    expect(saveName(store, '   ')).toBeNull()
  })

  it('survives storage that throws', () => {
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    expect(loadIdentity(broken, 'Ada').name).toBe('Ada')
  })

  it('normalises names and initials', () => {
    expect(normalizeName('a'.repeat(100))?.length).toBe(40)
    expect(normalizeName('\u0000\u0007')).toBeNull()
    expect(initialsOf('Ada Lovelace')).toBe('AL')
    expect(initialsOf('bob')).toBe('BO')
  })
})

describe('title binding', () => {
  it('maps the local caret through remote inserts and deletes', () => {
    expect(mapPosition(5, [{ insert: 'abc' }])).toBe(8)
    expect(mapPosition(5, [{ retain: 6 }, { insert: 'abc' }])).toBe(5)
    expect(mapPosition(5, [{ retain: 5 }, { insert: 'x' }])).toBe(6)
    expect(mapPosition(5, [{ retain: 1 }, { delete: 2 }])).toBe(3)
    expect(mapPosition(5, [{ retain: 3 }, { delete: 10 }])).toBe(3)
  })

  it('two people typing in the title both keep their text, and carets stay put', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    a.on('update', (u: Uint8Array) => Y.applyUpdate(b, u, 'remote'))
    b.on('update', (u: Uint8Array) => Y.applyUpdate(a, u, 'remote'))
    const inputA = new FakeInput()
    const inputB = new FakeInput()
    const unbindA = bindTitleInput(inputA, a.getText('title'))
    bindTitleInput(inputB, b.getText('title'))
    inputA.type('Plan', 4)
    expect(inputB.value).toBe('Plan')
    inputB.setSelectionRange(4, 4)
    inputA.type('Q3 Plan', 2) // A types at the start; B's caret at the end moves with the text
    expect(inputB.value).toBe('Q3 Plan')
    expect(inputB.selectionStart).toBe(7)
    inputB.type('Q3 Plan!', 8)
    expect(inputA.value).toBe('Q3 Plan!')
    unbindA()
    inputB.type('Q3 Plan!!', 9)
    expect(inputA.value).toBe('Q3 Plan!')
  })
})

describe('small helpers', () => {
  it('formats relative times', () => {
    const now = Date.parse('2025-06-10T12:00:00Z')
    expect(formatRelativeTime(now - 10_000, now, 'en')).toBe('just now')
    expect(formatRelativeTime(now - 5 * 60_000, now, 'en')).toBe('5 minutes ago')
    expect(formatRelativeTime(now - 3 * 3600_000, now, 'en')).toBe('3 hours ago')
    expect(formatRelativeTime(now - 26 * 3600_000, now, 'en')).toBe('yesterday')
    expect(formatRelativeTime('not a date', now)).toBe('')
  })

  it('derives the sync URL from the page location', () => {
    expect(collabUrlFromLocation({ protocol: 'https:', host: 'docs.example.org' })).toBe('wss://docs.example.org/collab')
    expect(collabUrlFromLocation({ protocol: 'http:', host: 'localhost:3000' })).toBe('ws://localhost:3000/collab')
  })
})
