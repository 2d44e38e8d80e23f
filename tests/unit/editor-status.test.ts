import { describe, expect, it } from 'vitest'
import { ActivityLog } from '../../lib/client/activity'
import type { Peer } from '../../lib/client/presence'
import { type ConnectionEvent, type ConnectionStatus, nextStatus } from '../../lib/client/status'

const run = (events: ConnectionEvent[], start: ConnectionStatus = 'connecting') => {
  const seen: ConnectionStatus[] = []
  let status = start
  for (const event of events) {
    status = nextStatus(status, event)
    seen.push(status)
  }
  return seen
}

describe('connection status', () => {
  it('goes connecting → connected', () => {
    expect(run(['attempt', 'open'])).toEqual(['connecting', 'connected'])
  })

  it('stays offline through reconnect attempts instead of flickering', () => {
    expect(run(['attempt', 'open', 'close', 'attempt', 'close', 'attempt', 'open'])).toEqual([
      'connecting',
      'connected',
      'offline',
      'offline',
      'offline',
      'offline',
      'connected',
    ])
  })

  it('a first attempt that fails is offline', () => {
    expect(run(['attempt', 'close'])).toEqual(['connecting', 'offline'])
  })
})

const peer = (clientId: number, name: string, isLocal = false): Peer => ({ clientId, name, color: '#2b6cb0', isLocal })

describe('activity log', () => {
  it('reports who was here, who joins and who leaves', () => {
    let now = 1000
    const log = new ActivityLog(() => now)
    log.setStatus('connected')
    log.setPeers([peer(1, 'Me', true), peer(2, 'Ada')])
    expect(log.list).toEqual([]) // not synced yet: presence not trusted
    log.setSynced(true)
    expect(log.list.map((e) => [e.kind, e.name])).toEqual([
      ['here', 'Ada'],
      ['you-joined', undefined],
    ])
    now = 2000
    log.setPeers([peer(1, 'Me', true), peer(2, 'Ada'), peer(3, 'Bob')])
    log.setPeers([peer(1, 'Me', true), peer(3, 'Bob')])
    expect(log.list.slice(0, 2).map((e) => [e.kind, e.name, e.at])).toEqual([
      ['left', 'Ada', 2000],
      ['joined', 'Bob', 2000],
    ])
  })

  it('does not read a dropped connection as everyone leaving', () => {
    const log = new ActivityLog(() => 0)
    log.setStatus('connected')
    log.setSynced(true)
    log.setPeers([peer(1, 'Me', true), peer(2, 'Ada'), peer(3, 'Bob')])
    const before = log.list.length
    log.setStatus('offline')
    log.setPeers([peer(1, 'Me', true)]) // the provider clears remote states on disconnect
    expect(log.list.length).toBe(before + 1)
    expect(log.list[0]?.kind).toBe('offline')
    log.setStatus('connected')
    log.setPeers([peer(1, 'Me', true), peer(2, 'Ada')])
    log.setSynced(true)
    expect(log.list.slice(0, 2).map((e) => [e.kind, e.name])).toEqual([
      ['left', 'Bob'],
      ['online', undefined],
    ])
  })

  it('a second tab of the same person is not a new arrival', () => {
    const log = new ActivityLog(() => 0)
    log.setStatus('connected')
    log.setSynced(true)
    log.setPeers([peer(1, 'Me', true), peer(2, 'Ada')])
    const before = log.list.length
    log.setPeers([peer(1, 'Me', true), peer(2, 'Ada'), peer(5, 'Ada')])
    expect(log.list.length).toBe(before)
  })
})

describe('reconnect policy', () => {
  it('gives up only where retrying cannot help', async () => {
    const { shouldReconnectAfterClose } = await import('../../lib/client/connection')
    for (const code of [4401, 4403, 4404, 4400, 4415, 4422]) expect(shouldReconnectAfterClose(code)).toBe(false)
    for (const code of [1000, 1001, 1006, 1011, 1012, 1013, 4408, 4429, 4500]) expect(shouldReconnectAfterClose(code)).toBe(true)
  })
})
