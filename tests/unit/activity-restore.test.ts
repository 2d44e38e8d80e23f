import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ActivityLog } from '../../lib/client/activity'
import { LAST_RESTORE_KEY, type LastRestore, observeLastRestore, readLastRestore } from '../../lib/client/last-restore'
import { systemClock } from '../../lib/client/liveness'
import { HISTORY_FIELD } from '../../lib/protocol/document-fields'

const restore = (overrides: Partial<LastRestore> = {}): LastRestore => ({
  versionId: 'v1',
  versionName: 'First draft',
  versionCreatedAt: Date.UTC(2026, 2, 3, 14, 5),
  by: { name: 'Ada', color: '#2563eb' },
  at: Date.UTC(2026, 2, 4, 9, 0),
  ...overrides,
})

/** A second replica's change to the history map, applied like an update from the server. */
function remoteRestore(doc: Y.Doc, record: unknown): void {
  const other = new Y.Doc()
  Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
  other.getMap(HISTORY_FIELD).set(LAST_RESTORE_KEY, record)
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)), 'server')
  other.destroy()
}

/** A log wired to a Y.Doc the way the connection wires it. */
function setup() {
  let now = 1_000
  const log = new ActivityLog({ clock: { ...systemClock, now: () => now } })
  const doc = new Y.Doc()
  const stop = observeLastRestore(doc, (record) => log.setLastRestore(record))
  const restores = () => log.list.filter((e) => e.kind === 'restored')
  return { log, doc, stop, restores, tick: (ms: number) => (now += ms) }
}

describe('activity log: restores', () => {
  it('an old restore found when the document loads is not news; one seen later is, once', () => {
    const { log, doc, restores } = setup()
    remoteRestore(doc, restore({ versionId: 'old' })) // the local copy, then the server's state
    log.setStatus('connected')
    log.setSynced(true)
    expect(restores()).toEqual([])

    remoteRestore(doc, restore({ versionId: 'v2', versionName: null, by: { name: 'Grace', color: '#b35c00' }, at: 5_000 }))
    expect(restores().map(({ kind, name, color, version }) => ({ kind, name, color, version }))).toEqual([
      { kind: 'restored', name: 'Grace', color: '#b35c00', version: { name: null, createdAt: Date.UTC(2026, 2, 3, 14, 5) } },
    ])

    // Another key of the map, or the same record read again, adds nothing.
    doc.getMap(HISTORY_FIELD).set('somethingElse', 1)
    log.setLastRestore(readLastRestore(doc.getMap(HISTORY_FIELD).get(LAST_RESTORE_KEY)))
    expect(restores()).toHaveLength(1)
  })

  it('restoring the same version again later is a new entry', () => {
    const { log, doc, restores } = setup()
    log.setStatus('connected')
    log.setSynced(true)
    remoteRestore(doc, restore({ at: 10 }))
    remoteRestore(doc, restore({ at: 20 }))
    expect(restores()).toHaveLength(2)
    expect(restores()[0]?.version?.name).toBe('First draft')
  })

  it('a restore that arrives with a reconnect is reported; nothing is reported before the first sync', () => {
    const { log, doc, restores, tick } = setup()
    log.setStatus('connected')
    remoteRestore(doc, restore({ at: 1 }))
    expect(restores()).toEqual([]) // connected but not synced yet: still the initial load
    log.setSynced(true)
    expect(restores()).toEqual([])

    log.setStatus('offline')
    log.setStatus('connecting')
    log.setStatus('connected')
    tick(500)
    remoteRestore(doc, restore({ at: 2, by: { name: 'Grace' } })) // the server's answer to our sync step 1
    log.setSynced(true)
    expect(restores().map((e) => [e.name, e.color, e.at])).toEqual([['Grace', undefined, 1_500]])
  })

  it('ignores records that are not restores (bad shapes from the network)', () => {
    const { log, doc, restores } = setup()
    log.setStatus('connected')
    log.setSynced(true)
    for (const bad of [null, 'x', { versionId: 'v' }, { ...restore(), by: { name: '  ' } }, { ...restore(), at: 'soon' }]) {
      remoteRestore(doc, bad)
    }
    expect(restores()).toEqual([])
    expect(readLastRestore({ ...restore(), by: { name: 'Ada', color: 'red; background: url(x)' } })?.by).toEqual({ name: 'Ada' })
  })

  it('stops listening when unsubscribed', () => {
    const { log, doc, stop, restores } = setup()
    log.setStatus('connected')
    log.setSynced(true)
    stop()
    remoteRestore(doc, restore())
    expect(restores()).toEqual([])
  })
})
