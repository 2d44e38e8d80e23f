import type * as Y from 'yjs'
import { HISTORY_FIELD, type LastRestore } from '../protocol/document-fields'

export type { LastRestore }

/**
 * The server writes this record into the document (Y.Map `history`, key `lastRestore`) in the
 * same change that restores a version, so every open editor learns who restored what at the
 * moment the text changes, whichever server it is connected to.
 */
export const LAST_RESTORE_KEY = 'lastRestore'

const COLOR = /^#[0-9a-fA-F]{6}$/

/** The record as written by the server, or null for anything else (it comes from the network). */
export function readLastRestore(value: unknown): LastRestore | null {
  if (typeof value !== 'object' || value === null) return null
  const raw = value as Record<string, unknown>
  const versionId = typeof raw.versionId === 'number' ? String(raw.versionId) : raw.versionId
  if (typeof versionId !== 'string' || versionId === '') return null
  if (typeof raw.versionCreatedAt !== 'number' || !Number.isFinite(raw.versionCreatedAt)) return null
  if (typeof raw.at !== 'number' || !Number.isFinite(raw.at)) return null
  if (typeof raw.by !== 'object' || raw.by === null) return null
  const { name, color } = raw.by as { name?: unknown; color?: unknown }
  if (typeof name !== 'string' || name.trim() === '') return null
  return {
    versionId,
    versionName: typeof raw.versionName === 'string' && raw.versionName.trim() !== '' ? raw.versionName : null,
    versionCreatedAt: raw.versionCreatedAt,
    by: typeof color === 'string' && COLOR.test(color) ? { name: name.slice(0, 80), color } : { name: name.slice(0, 80) },
    at: raw.at,
  }
}

/** Two reads of the same restore compare equal (a Y.Map hands out a new object each time). */
export function sameRestore(a: LastRestore | null, b: LastRestore | null): boolean {
  if (a === null || b === null) return a === b
  return a.versionId === b.versionId && a.at === b.at && a.by.name === b.by.name
}

/** Calls `listener` with the current record, then on every change of it. Returns the unsubscribe. */
export function observeLastRestore(doc: Y.Doc, listener: (record: LastRestore | null) => void): () => void {
  const history = doc.getMap(HISTORY_FIELD)
  const onChange = (event: Y.YMapEvent<unknown>) => {
    if (event.keysChanged.has(LAST_RESTORE_KEY)) listener(readLastRestore(history.get(LAST_RESTORE_KEY)))
  }
  history.observe(onChange)
  listener(readLastRestore(history.get(LAST_RESTORE_KEY)))
  return () => history.unobserve(onChange)
}
