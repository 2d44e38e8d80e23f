'use client'

import { useEffect, useState } from 'react'
import { createDocsClient } from '../../lib/editor/docs-client'
import { CloseCode } from '../../lib/protocol/close-codes'
import type { LocalIdentity } from '../../lib/editor/identity'
import {
  ActivityFeed,
  AvatarStack,
  CollaborativeEditor,
  ConnectionStatusBadge,
  DocTitleInput,
  NameDialog,
  PresenceList,
  SaveIndicator,
  ShareButton,
  TandemDocProvider,
  useClosedReason,
  useDocTitle,
  useLocalIdentity,
} from '../../lib/react'
import { Logo } from './logo'

/** The document page: identity first (asked once), then the live document. */
export function DocWorkspace({ docId, nameOverride, token }: { docId: string; nameOverride: string | null; token?: string }) {
  const { identity, setName } = useLocalIdentity(nameOverride)
  const [renaming, setRenaming] = useState(false)

  // Opening a link to a document that does not exist yet creates it (idempotent PUT).
  useEffect(() => {
    createDocsClient(token ? { headers: { authorization: `Bearer ${token}` } } : {})
      .ensure(docId)
      .catch(() => {
        // The sync connection reports trouble on its own; the list entry can follow later.
      })
  }, [docId, token])

  if (!identity || !identity.name) {
    return (
      <>
        <Shell docId={docId} />
        {identity && <NameDialog onSubmit={(name) => setName(name)} />}
      </>
    )
  }

  const user = { name: identity.name, color: identity.color }
  return (
    <TandemDocProvider docId={docId} user={user} token={token}>
      <Workspace docId={docId} identity={identity} onEditName={() => setRenaming(true)} />
      {renaming && (
        <NameDialog
          title="Change your name"
          initialName={identity.name}
          onCancel={() => setRenaming(false)}
          onSubmit={(name) => {
            setName(name)
            setRenaming(false)
          }}
        />
      )}
    </TandemDocProvider>
  )
}

function TopBar({ docId, live, readOnly = false }: { docId: string; live: boolean; readOnly?: boolean }) {
  return (
    <header className="topbar">
      <a href="/" className="topbar__home" aria-label="All documents" title="All documents">
        <Logo size={26} />
      </a>
      <div className="topbar__title">{live ? <DocTitleInput readOnly={readOnly} /> : <input className="tandem-title" aria-label="Document title" placeholder="Untitled" disabled />}</div>
      <div className="topbar__meta">
        {live && <SaveIndicator />}
        {live && <ConnectionStatusBadge />}
      </div>
      <div className="topbar__actions">
        {live && <AvatarStack />}
        <ShareButton docId={docId} />
      </div>
    </header>
  )
}

function Shell({ docId }: { docId: string }) {
  return (
    <div className="workspace" data-tandem-root>
      <TopBar docId={docId} live={false} />
      <div className="workspace__body">
        <main className="workspace__main">
          <CollaborativeEditor />
        </main>
      </div>
    </div>
  )
}

function closedMessage(code: number): string {
  if (code === CloseCode.DocumentDeleted.code) return 'This document was deleted; what you see is a read-only copy.'
  if (code === CloseCode.Unauthorized.code || code === CloseCode.Forbidden.code) return 'You no longer have access to this document.'
  return 'The server closed this document. Reload the page to try again.'
}

function Workspace({ docId, identity, onEditName }: { docId: string; identity: LocalIdentity; onEditName: () => void }) {
  const title = useDocTitle()
  const closed = useClosedReason()

  useEffect(() => {
    document.title = `${title.trim() || 'Untitled'} · Tandem`
  }, [title])

  return (
    <div className="workspace" data-tandem-root data-user-color={identity.color}>
      <TopBar docId={docId} live readOnly={closed !== null} />
      {closed && (
        <div className="banner" role="alert" data-testid="closed-banner" data-code={closed.code}>
          {closedMessage(closed.code)} <a href="/">Back to your documents</a>
        </div>
      )}
      <div className="workspace__body">
        <main className="workspace__main">
          <CollaborativeEditor editable={!closed} />
        </main>
        <aside className="workspace__side" aria-label="Collaboration">
          <section className="panel">
            <h2 className="panel__title">People here</h2>
            <PresenceList onEditSelf={onEditName} />
          </section>
          <section className="panel">
            <h2 className="panel__title">Activity</h2>
            <ActivityFeed />
          </section>
        </aside>
      </div>
    </div>
  )
}
