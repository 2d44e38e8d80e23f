'use client'

import { initialsOf } from '../client/identity'
import type { Person } from '../client/presence'
import { usePeople } from './hooks'

export function Avatar({ name, color, size = 'md' }: { name: string; color: string; size?: 'sm' | 'md' }) {
  return (
    <span className={`tandem-avatar tandem-avatar--${size}`} style={{ backgroundColor: color }} aria-hidden="true">
      {initialsOf(name)}
    </span>
  )
}

/**
 * Who is online, with names (`[data-testid="presence"]`, each `[data-testid="presence-user"]`).
 * The local person is marked "you"; `onEditSelf` makes that entry a rename button.
 */
export function PresenceList({ onEditSelf, className }: { onEditSelf?: () => void; className?: string }) {
  const people = usePeople()
  return (
    <ul data-testid="presence" className={['tandem-presence', className].filter(Boolean).join(' ')} aria-label="People in this document">
      {people.map((person) => (
        <li key={person.key} data-testid="presence-user" data-local={person.isLocal ? 'true' : undefined} className="tandem-presence__user">
          <Avatar name={person.name} color={person.color} />
          <span className="tandem-presence__name">{person.name}</span>
          {person.isLocal &&
            (onEditSelf ? (
              <button type="button" className="tandem-presence__you tandem-link-button" onClick={onEditSelf} title="Change your name">
                you · edit
              </button>
            ) : (
              <span className="tandem-presence__you">you</span>
            ))}
          {person.clientIds.length > 1 && <span className="tandem-presence__tabs">{person.clientIds.length} tabs</span>}
        </li>
      ))}
    </ul>
  )
}

/** A compact, overlapping row of avatars for headers (decorative; the list above is the source). */
export function AvatarStack({ max = 4 }: { max?: number }) {
  const people = usePeople()
  const shown: Person[] = people.slice(0, max)
  const extra = people.length - shown.length
  const names = people.map((p) => (p.isLocal ? `${p.name} (you)` : p.name)).join(', ')
  return (
    <div className="tandem-avatar-stack" role="img" aria-label={`${people.length} online: ${names}`} title={names}>
      {shown.map((p) => (
        <Avatar key={p.key} name={p.name} color={p.color} size="sm" />
      ))}
      {extra > 0 && <span className="tandem-avatar tandem-avatar--sm tandem-avatar--more">+{extra}</span>}
    </div>
  )
}
