'use client'

import { type ReactNode, useEffect, useRef, useState } from 'react'
import type { DocAccess } from '../../lib/client/doc-access'
import { createDocsClient } from '../../lib/client/docs-client'
import type { LocalIdentity } from '../../lib/client/identity'
import { roleCanWrite } from '../../lib/protocol/access'
import { CloseCode } from '../../lib/protocol/close-codes'
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
  useAccessToken,
  useClosedReason,
  useDocAccess,
  useDocTitle,
  useLocalIdentity,
  ViewOnlyBadge,
} from '../../lib/react'
import { AccessPage } from './access-page'
import { Logo } from './logo'

/**
 * The document page: access first (asked over HTTP: open mode, a role, or why not), then the
 * person's name when the link does not carry one, then the live document.
 */
export function DocWorkspace({ docId, nameOverride }: { docId: string; nameOverride: string | null }) {
  const { identity, setName } = useLocalIdentity(nameOverride)
  const accessToken = useAccessToken()
  const { access, state } = useDocAccess(docId, { accessToken, name: identity?.name ?? null, enabled: identity !== null })
  const [renaming, setRenaming] = useState(false)
  const started = useRef(false)

  const role = state.status === 'open' ? 'editor' : state.status === 'granted' ? state.role : null
  const canEdit = roleCanWrite(role)

  // Opening a link to a document that does not exist yet creates it (idempotent PUT); only
  // editors may, and with auth on the session token authorises it.
  useEffect(() => {
    if (!canEdit || !access) return
    createDocsClient({ token: () => access.token })
      .ensure(docId)
      .catch(() => {
        // The sync connection reports trouble on its own; the list entry can follow later.
      })
  }, [docId, canEdit, access])

  if (state.status === 'denied') return <AccessPage reason={state.reason} />
  if (!identity || !access || state.status === 'checking') return <Shell />
  if (state.status === 'unreachable') {
    return (
      <Shell
        notice={
          <div className="banner banner--warning" role="status" data-testid="access-unreachable">
            Can’t reach the server to open this document. Retrying…{' '}
            <button type="button" className="tandem-link-button" onClick={() => void access.check()}>
              Try now
            </button>
          </div>
        }
      />
    )
  }

  const nameFromToken = state.status === 'granted' && state.nameFromToken
  const displayName = nameFromToken ? state.name : identity.name
  if (!displayName) {
    return (
      <>
        <Shell />
        <NameDialog onSubmit={(name) => setName(name)} />
      </>
    )
  }
  // With auth on the name others see is in the session token: wait for the one carrying it
  // (only before the document first shows; a later rename swaps tokens underneath).
  const nameSettled = state.status === 'open' || nameFromToken || state.requestedName === identity.name
  if (!nameSettled && !started.current) return <Shell />
  started.current = true

  const user = { name: displayName, color: identity.color }
  return (
    <TandemDocProvider docId={docId} user={user} access={access}>
      <Workspace
        docId={docId}
        identity={identity}
        access={access}
        auth={state.status === 'granted'}
        canEdit={canEdit}
        onEditName={nameFromToken ? undefined : () => setRenaming(true)}
      />
      {renaming && (
        <NameDialog
          title="Change your name"
          initialName={displayName}
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

function TopBar({ live, readOnly = false, meta, actions }: { live: boolean; readOnly?: boolean; meta?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="topbar">
      <a href="/" className="topbar__home" aria-label="All documents" title="All documents">
        <Logo size={26} />
      </a>
      <div className="topbar__title">
        {live ? (
          <DocTitleInput readOnly={readOnly} />
        ) : (
          <input className="tandem-title" aria-label="Document title" placeholder="Untitled" disabled />
        )}
      </div>
      <div className="topbar__meta">{meta}</div>
      <div className="topbar__actions">{actions}</div>
    </header>
  )
}

/** The page before the document is open: the same layout, nothing live. */
function Shell({ notice }: { notice?: ReactNode }) {
  return (
    <div className="workspace" data-tandem-root>
      <TopBar
        live={false}
        actions={
          <button type="button" className="tandem-button tandem-button--primary tandem-share" disabled aria-hidden="true" tabIndex={-1}>
            <span>Share</span>
          </button>
        }
      />
      {notice}
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

function Workspace({
  docId,
  identity,
  access,
  auth,
  canEdit,
  onEditName,
}: {
  docId: string
  identity: LocalIdentity
  access: DocAccess
  auth: boolean
  canEdit: boolean
  onEditName?: () => void
}) {
  const title = useDocTitle()
  const closed = useClosedReason()
  const writable = canEdit && !closed

  useEffect(() => {
    document.title = `${title.trim() || 'Untitled'} · Tandem`
  }, [title])

  return (
    <div className="workspace" data-tandem-root data-user-color={identity.color} data-role={canEdit ? 'editor' : 'viewer'}>
      <TopBar
        live
        readOnly={!writable}
        meta={
          <>
            {canEdit ? <SaveIndicator /> : <ViewOnlyBadge />}
            <ConnectionStatusBadge />
          </>
        }
        actions={
          <>
            <AvatarStack />
            {canEdit && <ShareButton docId={docId} auth={auth} token={() => access.token} />}
          </>
        }
      />
      {closed && (
        <div className="banner" role="alert" data-testid="closed-banner" data-code={closed.code}>
          {closedMessage(closed.code)} <a href="/">Back to your documents</a>
        </div>
      )}
      <div className="workspace__body">
        <main className="workspace__main">
          <CollaborativeEditor editable={writable} toolbar={canEdit} />
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
