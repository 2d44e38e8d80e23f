'use client'

import { useEffect, useState } from 'react'
import type { ActivityEntry } from '../client/activity'
import { formatClockTime, formatMomentTime } from '../client/relative-time'
import { useActivity } from './hooks'

function describe(entry: ActivityEntry): string {
  switch (entry.kind) {
    case 'you-joined':
      return 'You opened the document'
    case 'here':
      return `${entry.name} was already here`
    case 'joined':
      return `${entry.name} joined`
    case 'left':
      return `${entry.name} left`
    case 'renamed':
      return `${entry.previousName} is now ${entry.name}`
    case 'offline':
      return 'You went offline'
    case 'online':
      return 'You are back online'
    case 'ended':
      return entry.ending === 'deleted'
        ? 'This document was deleted'
        : entry.ending === 'no-access'
          ? 'You no longer have access'
          : 'The server closed this document'
    case 'restored':
      return `${entry.name} restored ${restoredVersion(entry)}`
    default: {
      const unreachable: never = entry.kind
      return unreachable
    }
  }
}

function restoredVersion(entry: ActivityEntry): string {
  if (entry.version?.name) return `“${entry.version.name}”`
  return entry.version ? `the version of ${formatMomentTime(entry.version.createdAt)}` : 'a version'
}

/** Who joined, left, renamed themselves or restored a version, newest first, with times. */
export function ActivityFeed({ limit = 20 }: { limit?: number }) {
  const entries = useActivity()
  // Times are rendered on the client only (locale and time zone are the reader's).
  const [mounted, setMounted] = useState(false)
  useEffect(() => setMounted(true), [])
  if (entries.length === 0) {
    return <p className="tandem-activity__empty">Nothing yet.</p>
  }
  return (
    <ol className="tandem-activity" data-testid="activity" aria-label="Activity">
      {entries.slice(0, limit).map((entry) => (
        <li key={entry.id} className={`tandem-activity__item tandem-activity__item--${entry.kind}`}>
          <span className="tandem-activity__dot" style={entry.color ? { backgroundColor: entry.color } : undefined} aria-hidden="true" />
          <span className="tandem-activity__text">{describe(entry)}</span>
          <time className="tandem-activity__time" dateTime={new Date(entry.at).toISOString()}>
            {mounted ? formatClockTime(entry.at) : ''}
          </time>
        </li>
      ))}
    </ol>
  )
}
