'use client'

import { useEffect } from 'react'
import type { AccessDenialReason } from 'tandem-editor'
import { AccessMessage, type AccessPlace } from 'tandem-editor/react'
import { BrandLink } from './logo'

/** A whole page saying why the server refused access, in the app's chrome. */
export function AccessPage({ reason, place = 'document' }: { reason: AccessDenialReason | string; place?: AccessPlace }) {
  useEffect(() => {
    document.title = 'No access · Tandem'
  }, [])
  const elsewhere = place === 'document' && (reason === 'WrongDocument' || reason === 'InsufficientRole')
  return (
    <div className="access-page">
      <header className="home__header">
        <BrandLink />
      </header>
      <main className="access-page__main">
        <AccessMessage reason={reason} place={place}>
          {elsewhere && (
            <a className="tandem-button tandem-button--primary" href="/">
              Go to your documents
            </a>
          )}
        </AccessMessage>
      </main>
    </div>
  )
}
