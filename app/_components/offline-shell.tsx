'use client'

import { useEffect } from 'react'
import { registerOfflineShell } from 'tandem-editor'

/** Registers the service worker that lets the app open offline (production builds only). */
export function OfflineShell() {
  useEffect(() => {
    void registerOfflineShell()
  }, [])
  return null
}
