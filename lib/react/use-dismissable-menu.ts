import { type RefObject, useEffect, useRef } from 'react'

export interface DismissableMenu {
  readonly open: boolean
  readonly close: () => void
  readonly root: RefObject<HTMLElement | null>
  readonly button: RefObject<HTMLElement | null>
  /** Runs when the menu opens, e.g. to focus its first item. */
  readonly onOpen?: () => void
}

/**
 * What every dropdown menu here does while open: a pointer down outside `root` closes it, and
 * Escape closes it and gives focus back to its `button` (keyboard users land where they were).
 */
export function useDismissableMenu(menu: DismissableMenu): void {
  // The listeners live while the menu is open and read the newest callbacks through this.
  const latest = useRef(menu)
  latest.current = menu
  const { open } = menu
  useEffect(() => {
    if (!open) return
    latest.current.onOpen?.()
    const onPointerDown = (event: PointerEvent) => {
      const root = latest.current.root.current
      if (root && !root.contains(event.target as Node)) latest.current.close()
    }
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return
      latest.current.close()
      latest.current.button.current?.focus()
    }
    document.addEventListener('pointerdown', onPointerDown)
    document.addEventListener('keydown', onKeyDown)
    return () => {
      document.removeEventListener('pointerdown', onPointerDown)
      document.removeEventListener('keydown', onKeyDown)
    }
  }, [open])
}
