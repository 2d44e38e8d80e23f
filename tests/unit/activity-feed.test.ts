import { describe, expect, it } from 'vitest'
import { ActivityLog } from '../../lib/client/activity'
import type { LivenessClock } from '../../lib/client/liveness'
import type { Peer } from '../../lib/client/presence'
import { ManualClock } from '../helpers/manual-clock'

const GRACE = 10_000

/** A log on a clock that moves only when the test says so (its grace timers included). */
function setup() {
  const manual = new ManualClock()
  manual.advance(1_000_000)
  const clock: LivenessClock = {
    now: () => manual.now(),
    setTimeout: (callback, ms) => manual.delay(ms, callback),
    clearTimeout: (cancel) => (cancel as () => void)(),
  }
  let lateChanges = 0
  const log = new ActivityLog({ clock, leaveGraceMs: GRACE, onChange: () => lateChanges++ })
  const feed = () => log.list.map((entry) => [entry.kind, entry.name ?? null])
  return { log, manual, feed, lateChanges: () => lateChanges }
}

let nextClient = 100
/** One connection (tab) of a person. */
function tab(personKey: string, name: string, options: { color?: string; isLocal?: boolean; clientId?: number } = {}): Peer {
  return {
    clientId: options.clientId ?? nextClient++,
    personKey,
    name,
    color: options.color ?? '#0e7caf',
    since: 0,
    isLocal: options.isLocal ?? false,
  }
}

const me = tab('id:me', 'Me', { isLocal: true })

/** Connected and synced with `peers` present: the first trusted moment. */
function open(log: ActivityLog, peers: Peer[]) {
  log.setStatus('connected')
  log.setPeers(peers)
  log.setSynced(true)
}

describe('activity feed: who is who', () => {
  it('says who was already here, then who joins; presence is not trusted before the first sync', () => {
    const { log, feed } = setup()
    const ada = tab('id:ada', 'Ada')
    log.setStatus('connected')
    log.setPeers([me, ada])
    expect(feed()).toEqual([])
    log.setSynced(true)
    expect(feed()).toEqual([
      ['here', 'Ada'],
      ['you-joined', null],
    ])
    log.setPeers([me, ada, tab('id:bob', 'Bob')])
    expect(feed()[0]).toEqual(['joined', 'Bob'])
  })

  it('two people with the same name (and colour) are two people: each joins and leaves once', () => {
    const { log, manual, feed } = setup()
    open(log, [me])
    const samA = tab('id:sam-a', 'Sam', { color: '#d807a7' })
    const samB = tab('id:sam-b', 'Sam', { color: '#d807a7' })
    log.setPeers([me, samA])
    log.setPeers([me, samA, samB])
    // The second Sam takes another colour (color-assignment.ts): still the same person.
    log.setPeers([me, samA, { ...samB, color: '#178703' }])
    expect(feed().slice(0, 2)).toEqual([
      ['joined', 'Sam'],
      ['joined', 'Sam'],
    ])
    log.setPeers([me, { ...samB, color: '#178703' }])
    manual.advance(GRACE)
    expect(feed().slice(0, 3)).toEqual([
      ['left', 'Sam'],
      ['joined', 'Sam'],
      ['joined', 'Sam'],
    ])
    expect(log.list[0]?.color).toBe('#d807a7')
  })

  it('one person with two tabs is one person: a second tab is no arrival, closing one is no departure', () => {
    const { log, manual, feed } = setup()
    const adaTab1 = tab('id:ada', 'Ada')
    open(log, [me, adaTab1])
    const before = feed()
    const adaTab2 = tab('id:ada', 'Ada')
    log.setPeers([me, adaTab1, adaTab2])
    log.setPeers([me, adaTab2])
    manual.advance(GRACE * 3)
    expect(feed()).toEqual(before)
  })

  it('my own other tab is me, not someone else', () => {
    const { log, feed } = setup()
    open(log, [me])
    log.setPeers([me, tab('id:me', 'Me')])
    expect(feed()).toEqual([['you-joined', null]])
  })

  it('a person’s entries take the colour they wear now (colours move when two people would look alike)', () => {
    const { log, feed } = setup()
    open(log, [me])
    const sam = tab('id:sam', 'Sam', { color: '#d807a7' })
    log.setPeers([me, sam])
    const before = feed()
    expect(log.setPeers([me, { ...sam, color: '#178703' }])).toBe(true)
    expect(feed()).toEqual(before)
    expect(log.list[0]).toMatchObject({ kind: 'joined', name: 'Sam', color: '#178703', person: 'id:sam' })
  })

  it('a rename is a rename, not a departure and an arrival', () => {
    const { log, manual, feed } = setup()
    const ada = tab('id:ada', 'Ada')
    open(log, [me, ada])
    log.setPeers([me, { ...ada, name: 'Ada Lovelace' }])
    manual.advance(GRACE * 2)
    expect(log.list[0]).toMatchObject({ kind: 'renamed', name: 'Ada Lovelace', previousName: 'Ada' })
    expect(feed().filter(([kind]) => kind === 'left' || kind === 'joined')).toEqual([])
  })
})

describe('activity feed: leaving', () => {
  it('someone gone for the grace period left, dated when they went, said once', () => {
    const { log, manual, feed, lateChanges } = setup()
    const ada = tab('id:ada', 'Ada')
    open(log, [me, ada])
    const wentAt = manual.now()
    log.setPeers([me])
    manual.advance(GRACE - 1)
    expect(feed()[0]).toEqual(['here', 'Ada'])
    manual.advance(1)
    expect(log.list[0]).toMatchObject({ kind: 'left', name: 'Ada', at: wentAt })
    expect(lateChanges()).toBe(1)
    log.setPeers([me])
    manual.advance(GRACE * 3)
    expect(feed().filter(([kind]) => kind === 'left')).toEqual([['left', 'Ada']])
  })

  it('a reload within the grace period (a new tab of the same person) adds nothing', () => {
    const { log, manual, feed } = setup()
    open(log, [me, tab('id:ada', 'Ada')])
    const before = feed()
    log.setPeers([me])
    manual.advance(2_000)
    log.setPeers([me, tab('id:ada', 'Ada')])
    manual.advance(GRACE * 2)
    expect(feed()).toEqual(before)
  })

  it('a departure is dated when it happened, even when someone joined during the grace period', () => {
    const { log, manual } = setup()
    open(log, [me, tab('id:ada', 'Ada')])
    log.setPeers([me])
    manual.advance(1_000)
    log.setPeers([me, tab('id:bob', 'Bob')])
    manual.advance(GRACE)
    expect(log.list.slice(0, 2).map((entry) => [entry.kind, entry.name])).toEqual([
      ['joined', 'Bob'],
      ['left', 'Ada'],
    ])
  })
})

describe('activity feed: the reader’s own connection', () => {
  it('after my own reconnect, people who were here and still are produce no entries', () => {
    const { log, manual, feed } = setup()
    const ada = tab('id:ada', 'Ada')
    const bob = tab('id:bob', 'Bob')
    open(log, [me, ada, bob])
    log.setStatus('offline')
    log.setPeers([me]) // the provider clears the others' presence when the socket drops
    manual.advance(60_000)
    log.setStatus('connected')
    log.setSynced(true) // the document syncs first ...
    manual.advance(300)
    log.setPeers([me, ada]) // ... presence arrives a moment later, one state at a time
    manual.advance(200)
    log.setPeers([me, ada, bob])
    manual.advance(GRACE * 3)
    expect(feed().slice(0, 2)).toEqual([
      ['online', null],
      ['offline', null],
    ])
    expect(feed().filter(([kind]) => kind === 'left' || kind === 'joined')).toEqual([])
  })

  it('someone who left while I was offline is reported after the grace period, once', () => {
    const { log, manual, feed } = setup()
    open(log, [me, tab('id:ada', 'Ada'), tab('id:bob', 'Bob')])
    log.setStatus('offline')
    log.setPeers([me])
    manual.advance(GRACE * 5) // no grace runs out while presence cannot be seen
    expect(feed()[0]).toEqual(['offline', null])
    log.setStatus('connected')
    log.setPeers([me, tab('id:bob', 'Bob')])
    log.setSynced(true)
    manual.advance(GRACE)
    expect(feed().slice(0, 2)).toEqual([
      ['left', 'Ada'],
      ['online', null],
    ])
  })

  it('a grace period cut by my disconnect starts again in full afterwards', () => {
    const { log, manual, feed } = setup()
    open(log, [me, tab('id:ada', 'Ada')])
    log.setPeers([me])
    manual.advance(GRACE - 1_000)
    log.setStatus('offline')
    manual.advance(5_000)
    log.setStatus('connected')
    log.setSynced(true)
    manual.advance(GRACE - 1)
    expect(feed().some(([kind]) => kind === 'left')).toBe(false)
    manual.advance(1)
    expect(feed()[0]).toEqual(['left', 'Ada'])
  })

  it('a document deleted under me says so, instead of "You went offline", and nobody leaves after it', () => {
    const { log, manual, feed } = setup()
    open(log, [me, tab('id:ada', 'Ada')])
    log.setPeers([me])
    log.setStatus('offline')
    log.setEnded('deleted')
    manual.advance(GRACE * 3)
    expect(feed().slice(0, 1)).toEqual([['ended', null]])
    expect(log.list[0]?.ending).toBe('deleted')
    expect(feed().some(([kind]) => kind === 'offline' || kind === 'left')).toBe(false)
  })

  it('stops its timers when disposed', () => {
    const { log, manual } = setup()
    open(log, [me, tab('id:ada', 'Ada')])
    log.setPeers([me])
    expect(manual.dueTimes().length).toBe(1)
    log.dispose()
    expect(manual.dueTimes()).toEqual([])
  })
})
