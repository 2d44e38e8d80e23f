import { describe, expect, it } from 'vitest'
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

describe('reconnect policy', () => {
  it('gives up only where retrying cannot help', async () => {
    const { shouldReconnectAfterClose } = await import('../../lib/client/connection')
    for (const code of [4401, 4403, 4404, 4400, 4415, 4422]) expect(shouldReconnectAfterClose(code)).toBe(false)
    for (const code of [1000, 1001, 1006, 1011, 1012, 1013, 4408, 4429, 4500]) expect(shouldReconnectAfterClose(code)).toBe(true)
  })
})
