/** "just now", "5 minutes ago", "yesterday", "Mar 3" — for "last edited" labels. */
export function formatRelativeTime(then: Date | number | string, now: number = Date.now(), locale?: string): string {
  const time = new Date(then).getTime()
  if (Number.isNaN(time)) return ''
  const seconds = Math.round((now - time) / 1000)
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  if (seconds < 45) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return rtf.format(-minutes, 'minute')
  const hours = Math.round(minutes / 60)
  if (hours < 24) return rtf.format(-hours, 'hour')
  const days = Math.round(hours / 24)
  if (days < 7) return rtf.format(-days, 'day')
  const date = new Date(time)
  const sameYear = date.getFullYear() === new Date(now).getFullYear()
  return date.toLocaleDateString(
    locale,
    sameYear ? { month: 'short', day: 'numeric' } : { year: 'numeric', month: 'short', day: 'numeric' },
  )
}

/** "14:05" — for activity entries. */
export function formatClockTime(at: number, locale?: string): string {
  return new Date(at).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
}

/** "14:05" today, "Mar 3, 14:05" earlier — for naming a moment such as when a version was made. */
export function formatMomentTime(at: number, now: number = Date.now(), locale?: string): string {
  const date = new Date(at)
  if (Number.isNaN(date.getTime())) return ''
  const today = new Date(now)
  const clock = formatClockTime(at, locale)
  if (date.toDateString() === today.toDateString()) return clock
  const sameYear = date.getFullYear() === today.getFullYear()
  const day = date.toLocaleDateString(
    locale,
    sameYear ? { month: 'short', day: 'numeric' } : { year: 'numeric', month: 'short', day: 'numeric' },
  )
  return `${day}, ${clock}`
}
