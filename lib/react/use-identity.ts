'use client'

import { useCallback, useEffect, useState } from 'react'
import { type KeyValueStore, type LocalIdentity, loadIdentity, saveName } from '../client/identity'

function browserStore(): KeyValueStore | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

/**
 * The local identity from localStorage; null during server rendering and the first client
 * render (so markup matches), then loaded. `nameOverride` (e.g. `?name=`) applies without
 * being stored.
 */
export function useLocalIdentity(nameOverride?: string | null): {
  identity: LocalIdentity | null
  setName: (name: string) => boolean
} {
  const [identity, setIdentity] = useState<LocalIdentity | null>(null)
  useEffect(() => {
    setIdentity(loadIdentity(browserStore(), nameOverride))
  }, [nameOverride])
  const setName = useCallback((raw: string) => {
    const name = saveName(browserStore(), raw)
    if (name === null) return false
    setIdentity((current) => (current ? { ...current, name } : current))
    return true
  }, [])
  return { identity, setName }
}
