import { colorForSeed } from './palette'

export { colorForSeed, USER_COLORS } from './palette'

/**
 * Who the local user is: a display name and a stable colour. The colour is derived from a
 * random id persisted per browser profile, so it survives renames and reloads, and two people
 * who pick the same name still look different.
 */

export interface TandemUser {
  name: string
  /** `#rrggbb`: the caret extension accepts nothing else (other values render transparent). */
  color: string
  /**
   * Who this is across tabs and renames (the browser profile's id, or the token's user id):
   * tabs with one id are one person in "People here" and the activity feed. Without it, each
   * connection counts as a person of its own.
   */
  id?: string
}

/** The minimal slice of `Storage` identity needs; pass `window.localStorage` or a Map-backed fake. */
export interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export const MAX_NAME_LENGTH = 40
const NAME_KEY = 'tandem:name'
const ID_KEY = 'tandem:user-id'

/** Trims, collapses whitespace, strips control characters and caps the length; null if empty. */
export function normalizeName(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null
  const cleaned = raw
    .replace(/\s+/g, ' ')
    .replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, MAX_NAME_LENGTH)
    .trim()
  return cleaned.length > 0 ? cleaned : null
}

/** One or two letters for an avatar. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const first = words[0]?.[0] ?? '?'
  const second = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : (words[0]?.[1] ?? '')
  return (first + second).toUpperCase()
}

function randomId(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  return Math.random().toString(36).slice(2) + Date.now().toString(36)
}

export interface LocalIdentity {
  /** Persisted random id (per browser profile); the colour seed. */
  id: string
  /** Null until the person has chosen a name. */
  name: string | null
  color: string
}

/**
 * Reads (and on first use creates) the local identity. `nameOverride` (e.g. from `?name=`)
 * wins for this page view without being stored, so a shared link cannot rename its recipient.
 * Storage failures (private mode, disabled storage) degrade to an unsaved identity.
 */
export function loadIdentity(store: KeyValueStore | null, nameOverride?: string | null): LocalIdentity {
  let id: string | null = null
  let stored: string | null = null
  try {
    id = store?.getItem(ID_KEY) ?? null
    stored = store?.getItem(NAME_KEY) ?? null
    if (!id) {
      id = randomId()
      store?.setItem(ID_KEY, id)
    }
  } catch {
    id = id ?? randomId()
  }
  const name = normalizeName(nameOverride) ?? normalizeName(stored)
  return { id, name, color: colorForSeed(id) }
}

/** Remembers the chosen name; returns the normalised name or null when it is empty. */
export function saveName(store: KeyValueStore | null, raw: string): string | null {
  const name = normalizeName(raw)
  if (name === null) return null
  try {
    store?.setItem(NAME_KEY, name)
  } catch {
    // Storage unavailable: the name still applies to this page view.
  }
  return name
}
