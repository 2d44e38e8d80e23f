import { pickColor } from './palette'
import { groupPeople, type Peer } from './presence'

/**
 * Which colour this tab shows, so that people in one document look different. Every tab runs
 * the same rule on the same presence, so they agree without talking:
 * - A person keeps the colour they have unless someone who arrived earlier (smaller `since`,
 *   then person key: a tie-break both sides compute alike) wears it too; only the later one
 *   moves, to their preferred colour if free, else the first palette colour nobody wears.
 *   Nobody changes colour because someone else left: colours stay put once shown.
 * - The tabs of one person wear one colour: a tab that is not the person's first open tab
 *   wears the colour of that first tab.
 */
export interface ColorChoice {
  /** This tab's person key (see Peer.personKey). */
  personKey: string
  clientId: number
  /** The colour derived from the person's id. */
  preferred: string
  /** The colour this tab shows now. */
  shown: string
  peers: readonly Peer[]
}

const byArrival = (a: { since: number; key: string }, b: { since: number; key: string }) =>
  a.since - b.since || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)

export function chooseColor({ personKey, clientId, preferred, shown, peers }: ColorChoice): string {
  const ownTabs = peers.filter((peer) => peer.personKey === personKey).sort((a, b) => a.since - b.since || a.clientId - b.clientId)
  const firstTab = ownTabs[0]
  if (firstTab && firstTab.clientId !== clientId) return firstTab.color

  const people = groupPeople(peers)
  const self = people.find((person) => person.key === personKey) ?? { key: personKey, since: Number.POSITIVE_INFINITY }
  const others = people.filter((person) => person.key !== personKey)
  const wearing = (color: string) => others.filter((person) => person.color.toLowerCase() === color.toLowerCase())
  const outranked = wearing(shown).some((person) => byArrival(person, self) < 0)
  if (!outranked) return shown
  return pickColor(preferred, new Set(others.map((person) => person.color.toLowerCase())))
}
