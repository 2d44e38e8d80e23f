import { describe, expect, it } from 'vitest'
import { chooseColor } from '../../lib/client/color-assignment'
import { colorForSeed, pickColor, USER_COLORS } from '../../lib/client/palette'
import type { Peer } from '../../lib/client/presence'
import { contrastRatio, deltaE2000, deltaE2000Lab } from '../helpers/color'

/** The page backgrounds a colour appears on (lib/react/tandem.css, app/globals.css). */
const LIGHT_BACKGROUNDS = ['#ffffff', '#f6f6f3', '#f1f1ee']
const DARK_BACKGROUNDS = ['#15171a', '#1c1f23', '#24282d']
/** Initials on avatars and names on caret labels. */
const LABEL_TEXT = '#ffffff'

describe('colour science helpers', () => {
  it('match published reference values', () => {
    // Sharma, Wu & Dalal (2005), test pairs 1 and 7.
    expect(deltaE2000Lab([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 4)
    expect(deltaE2000Lab([50, 0, 0], [50, -1, 2])).toBeCloseTo(2.3669, 4)
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2)
  })
})

describe('people’s palette', () => {
  it('label text on every colour reads at 4.5:1 or more', () => {
    for (const color of USER_COLORS) expect(contrastRatio(color, LABEL_TEXT), color).toBeGreaterThanOrEqual(4.5)
  })

  it('every colour stands out from the light and the dark page backgrounds by 3:1 or more', () => {
    for (const color of USER_COLORS) {
      for (const background of [...LIGHT_BACKGROUNDS, ...DARK_BACKGROUNDS]) {
        expect(contrastRatio(color, background), `${color} on ${background}`).toBeGreaterThanOrEqual(3)
      }
    }
  })

  it('every two colours are clearly different (CIEDE2000 ΔE over 20; lime #4d7c0f and green #2f855a were 14.7)', () => {
    expect(deltaE2000('#4d7c0f', '#2f855a')).toBeLessThan(15)
    for (const [i, a] of USER_COLORS.entries()) {
      for (const b of USER_COLORS.slice(i + 1)) expect(deltaE2000(a, b), `${a} vs ${b}`).toBeGreaterThan(20)
    }
  })

  it('derives a stable preferred colour from an id', () => {
    expect(colorForSeed('abc')).toBe(colorForSeed('abc'))
    expect(USER_COLORS).toContain(colorForSeed('abc'))
    const seen = new Set(Array.from({ length: 200 }, (_, i) => colorForSeed(`person-${i}`)))
    expect(seen.size).toBe(USER_COLORS.length)
  })

  it('picks the preferred colour when free, else the first one nobody wears', () => {
    const [first, second, third] = USER_COLORS as [string, string, string]
    expect(pickColor(third, new Set())).toBe(third)
    expect(pickColor(third, new Set([third]))).toBe(first)
    expect(pickColor(first, new Set([first.toUpperCase(), second]))).toBe(third)
    expect(pickColor(third, new Set(USER_COLORS))).toBe(third)
  })
})

describe('who wears which colour', () => {
  const [magenta, green, blue] = USER_COLORS as [string, string, string]
  const peer = (clientId: number, personKey: string, color: string, since: number): Peer => ({
    clientId,
    personKey,
    name: 'Sam',
    color,
    since,
    isLocal: false,
  })

  it('the later of two people in one colour moves; the earlier keeps it', () => {
    const peers = [peer(1, 'id:first', magenta, 100), peer(2, 'id:second', magenta, 200)]
    const first = { personKey: 'id:first', clientId: 1, preferred: magenta, shown: magenta, peers }
    const second = { personKey: 'id:second', clientId: 2, preferred: magenta, shown: magenta, peers }
    expect(chooseColor(first)).toBe(magenta)
    expect(chooseColor(second)).toBe(green)
  })

  it('breaks a tie in arrival by person key, the same way on both sides', () => {
    const peers = [peer(7, 'id:b', blue, 100), peer(3, 'id:a', blue, 100)]
    expect(chooseColor({ personKey: 'id:a', clientId: 3, preferred: blue, shown: blue, peers })).toBe(blue)
    expect(chooseColor({ personKey: 'id:b', clientId: 7, preferred: blue, shown: blue, peers })).toBe(magenta)
  })

  it('moves to the first colour nobody present wears, not onto a later person', () => {
    const peers = [peer(1, 'id:early', magenta, 100), peer(2, 'id:late', green, 300), peer(3, 'id:me', magenta, 200)]
    expect(chooseColor({ personKey: 'id:me', clientId: 3, preferred: magenta, shown: magenta, peers })).toBe(blue)
  })

  it('keeps a colour once shown when the person who had the preferred one leaves', () => {
    const peers = [peer(3, 'id:me', green, 200)]
    expect(chooseColor({ personKey: 'id:me', clientId: 3, preferred: magenta, shown: green, peers })).toBe(green)
  })

  it('the tabs of one person wear the colour of their first tab', () => {
    const peers = [peer(1, 'id:me', green, 100), peer(2, 'id:me', magenta, 400), peer(3, 'id:other', magenta, 50)]
    expect(chooseColor({ personKey: 'id:me', clientId: 2, preferred: magenta, shown: magenta, peers })).toBe(green)
    expect(chooseColor({ personKey: 'id:me', clientId: 1, preferred: magenta, shown: green, peers })).toBe(green)
  })

  it('three people arriving with one preferred colour end up in three colours', () => {
    let peers = [peer(1, 'id:a', magenta, 1), peer(2, 'id:b', magenta, 2), peer(3, 'id:c', magenta, 3)]
    // Each tab decides on what it sees, publishes, and the others see that: run to a fixed point.
    for (let round = 0; round < 4; round++) {
      peers = peers.map((p) => ({
        ...p,
        color: chooseColor({ personKey: p.personKey, clientId: p.clientId, preferred: magenta, shown: p.color, peers }),
      }))
    }
    expect(new Set(peers.map((p) => p.color)).size).toBe(3)
    expect(peers[0]?.color).toBe(magenta)
  })
})
