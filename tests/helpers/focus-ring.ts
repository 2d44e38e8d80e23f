import type { Page } from 'playwright-core'

/**
 * Walks a page's tab order with the real keyboard and returns the stops that show no focus
 * indicator (no outline, and no box-shadow that focus adds), each described by tag, name and
 * classes. Stops when focus comes back to where it started or leaves the page, or after
 * `maxStops`. An empty list means every control reachable by Tab shows where the keyboard is.
 */
export interface FocusStop {
  description: string
  visible: boolean
}

export async function walkTabOrder(page: Page, maxStops = 80): Promise<FocusStop[]> {
  await page.evaluate(() => {
    ;(document.activeElement as HTMLElement | null)?.blur()
    window.getSelection()?.removeAllRanges()
  })
  const stops: FocusStop[] = []
  const seen = new Set<string>()
  for (let i = 0; i < maxStops; i++) {
    await page.keyboard.press('Tab')
    const stop = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null
      if (!element || element === document.body) return null
      const style = getComputedStyle(element)
      const outlined = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 1
      // A box-shadow counts only when focus adds it (some controls wear one all the time).
      const focusedShadow = style.boxShadow
      element.blur()
      const restingShadow = getComputedStyle(element).boxShadow
      element.focus({ preventScroll: true, focusVisible: true } as FocusOptions)
      const shadowed = focusedShadow !== 'none' && focusedShadow !== restingShadow
      const name = element.getAttribute('aria-label') ?? element.textContent?.trim().slice(0, 40) ?? ''
      const id = `${element.tagName}|${element.className}|${name}|${Array.from(element.parentElement?.children ?? []).indexOf(element)}`
      return {
        id,
        description: `<${element.tagName.toLowerCase()}${element.className ? ` class="${element.className}"` : ''}> ${JSON.stringify(name)}`,
        visible: outlined || shadowed,
      }
    })
    if (stop === null || seen.has(stop.id)) break
    seen.add(stop.id)
    stops.push({ description: stop.description, visible: stop.visible })
  }
  return stops
}
