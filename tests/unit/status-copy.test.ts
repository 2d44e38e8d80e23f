import { describe, expect, it } from 'vitest'
import { closedHint, saveLabel, showsSaveState, statusLabel } from '../../lib/client/status-copy'
import { CloseCode } from '../../lib/protocol/close-codes'

const closedWith = (close: { code: number; reason: string }) => ({ code: close.code, reason: close.reason })

describe('status words', () => {
  it('a deleted document says so and shows no save state, never "Saved" next to "Offline"', () => {
    const deleted = closedWith(CloseCode.DocumentDeleted)
    expect(statusLabel('offline', deleted)).toBe('Deleted')
    expect(closedHint(deleted, 'offline')).toBe('This document was deleted')
    expect(showsSaveState(deleted)).toBe(false)
  })

  it('lost access and other final closes are named, not "Offline" (nothing is retrying)', () => {
    expect(statusLabel('offline', closedWith(CloseCode.Forbidden))).toBe('No access')
    expect(statusLabel('offline', closedWith(CloseCode.Unauthorized))).toBe('No access')
    expect(statusLabel('offline', closedWith(CloseCode.MalformedMessage))).toBe('Disconnected')
    expect(closedHint(closedWith(CloseCode.MalformedMessage), 'offline')).toMatch(/^Disconnected by the server/)
    expect(showsSaveState(closedWith(CloseCode.Forbidden))).toBe(true)
  })

  it('while the session lives, the connection state speaks', () => {
    expect(statusLabel('connected', null)).toBe('Live')
    expect(statusLabel('offline', null)).toBe('Offline')
    expect(showsSaveState(null)).toBe(true)
    expect(saveLabel('offline', 1)).toBe('Offline — 1 change on this device')
  })
})
