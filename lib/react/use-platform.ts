'use client'

import { useSyncExternalStore } from 'react'

const subscribe = () => () => {}

/** Apple platforms show ⌘ and ⌥; false during server rendering so the markup matches. */
export function useIsApple(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => /Mac|iPhone|iPad|iPod/.test(navigator.platform || navigator.userAgent),
    () => false,
  )
}

/** Turns `Mod-Shift-8` into `Ctrl+Shift+8` or `⌘⇧8`. */
export function formatShortcut(shortcut: string, apple: boolean): string {
  const parts = shortcut.split('-')
  if (apple) {
    const map: Record<string, string> = { Mod: '⌘', Shift: '⇧', Alt: '⌥', Ctrl: '⌃' }
    return parts.map((p) => map[p] ?? p.toUpperCase()).join('')
  }
  const map: Record<string, string> = { Mod: 'Ctrl', Shift: 'Shift', Alt: 'Alt', Ctrl: 'Ctrl' }
  return parts.map((p) => map[p] ?? p.toUpperCase()).join('+')
}
