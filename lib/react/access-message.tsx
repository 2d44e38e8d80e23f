'use client'

import type { ReactNode } from 'react'
import type { AccessDenialReason } from '../client/doc-access'
import { type AccessFailure, isAccessFailure } from '../protocol/access'
import { EyeIcon, LockIcon } from './icons'

export type AccessPlace = 'document' | 'home'

type Copy = { title: string; text: string }

/**
 * What to tell a person refused for each reason the server can give, on a document page
 * (`doc`) or the documents list. A Record over every AccessFailure: a new failure in the shared
 * vocabulary does not compile until it has words here.
 */
const DENIAL_COPY: Record<AccessFailure, (doc: boolean) => Copy> = {
  MissingToken: (doc) =>
    doc
      ? {
          title: 'You need an invitation link to open this document',
          text: 'This Tandem server is private. Ask someone who can edit this document to share a link with you, then open that link.',
        }
      : {
          title: 'You need an invitation link',
          text: 'This Tandem server is private: documents open only through links that carry access.',
        },
  WrongDocument: () => ({
    title: 'This link doesn’t give access to this document',
    text: 'Your link is for another document. Ask someone who can edit this one to share a link to it.',
  }),
  Revoked: (doc) => ({
    title: 'Your access was revoked',
    text: doc
      ? 'Access through your link was turned off. If you still need this document, ask its owner for a new link.'
      : 'Access through your link was turned off. Ask for a new link if you still need it.',
  }),
  Expired: (doc) => ({
    title: 'This link has expired',
    text: doc
      ? 'Links work for a limited time. Ask someone who can edit this document for a fresh one.'
      : 'Links work for a limited time. Open a newer link, or ask for one.',
  }),
  InvalidToken: () => INVALID_LINK,
  InvalidSignature: () => INVALID_LINK,
  InsufficientRole: () => ({
    title: 'Your link doesn’t allow this',
    text: 'It gives read-only access. Ask someone who can edit for an edit link.',
  }),
  OriginNotAllowed: () => ({
    title: 'This site may not connect to Tandem',
    text: 'The server does not accept connections from this address.',
  }),
}

const INVALID_LINK: Copy = {
  title: 'This link isn’t valid',
  text: 'It may have been cut short when it was copied, or it belongs to another Tandem server. Ask for a new link.',
}

/** What to tell a person who may not open something, by the server's reason. */
export function accessDenialCopy(reason: AccessDenialReason | string, place: AccessPlace = 'document'): Copy {
  const doc = place === 'document'
  if (isAccessFailure(reason)) return DENIAL_COPY[reason](doc)
  return {
    title: doc ? 'You don’t have access to this document' : 'You don’t have access',
    text: 'The server refused this link. Ask for a new one.',
  }
}

/**
 * The page shown instead of a document (or the documents list) when the server refuses access
 * (`[data-testid="access-denied"][data-reason]`). `children` are extra actions.
 */
export function AccessMessage({
  reason,
  place = 'document',
  compact = false,
  children,
}: {
  reason: AccessDenialReason | string
  place?: AccessPlace
  compact?: boolean
  children?: ReactNode
}) {
  const { title, text } = accessDenialCopy(reason, place)
  const Heading = compact ? 'h2' : 'h1'
  return (
    <section
      className={`tandem-access${compact ? ' tandem-access--compact' : ''}`}
      data-testid="access-denied"
      data-reason={reason}
      aria-labelledby="tandem-access-title"
    >
      <span className="tandem-access__icon">
        <LockIcon />
      </span>
      <Heading id="tandem-access-title" className="tandem-access__title">
        {title}
      </Heading>
      <p className="tandem-access__text">{text}</p>
      {place === 'home' && reason === 'MissingToken' && (
        <div className="tandem-access__howto">
          <h2 className="tandem-access__howto-title">How to get access</h2>
          <ul>
            <li>Ask someone who uses this server to share a document link with you.</li>
            <li>Running this server yourself? Its README (Security) shows how to make your first link.</li>
          </ul>
        </div>
      )}
      {children && <div className="tandem-access__actions">{children}</div>}
    </section>
  )
}

/** "View only" (`[data-testid="view-only-badge"]`): shown to viewers and commenters. */
export function ViewOnlyBadge() {
  return (
    <span className="tandem-badge" data-testid="view-only-badge" title="You can read and see who’s here, but not edit">
      <EyeIcon />
      View only
    </span>
  )
}
