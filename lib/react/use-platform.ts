'use client'

import { useSyncExternalStore } from 'react'
import { isApplePlatform } from '../editor/formatting'

const subscribe = () => () => {}

/** Apple platforms show ⌘ and ⌥; false during server rendering so the markup matches. */
export function useIsApple(): boolean {
  return useSyncExternalStore(subscribe, isApplePlatform, () => false)
}
