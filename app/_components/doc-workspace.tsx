'use client'

import { type ReactNode, useEffect, useRef, useState } from 'react'
import {
  CloseCode,
  collabUrlFromLocation,
  creatablePrefix,
  type DocAccess,
  decodeTokenClaims,
  type LocalCopyInfo,
  type LocalIdentity,
  localCopyName,
  localCopyUserKey,
  peekLocalCopy,
  personIdFor,
  roleCanWrite,
} from 'tandem-editor'
import {
  ActivityFeed,
  AvatarStack,
  ChevronDownIcon,
  CollaborativeEditor,
  ConnectionStatusBadge,
  DocTitleInput,
  DownloadIcon,
  DownloadMenu,
  ImportButton,
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
  useTandemConnection,
  VersionHistoryButton,
  ViewOnlyBadge,
} from 'tandem-editor/react'
import { AccessPage } from './access-page'
import { Logo } from './logo'

/**
 * The document page: access first (asked over HTTP: open mode, a role, or why not), then the
 * person's name when the link does not carry one, then the live document.
 */
export function DocWorkspace({ docId, nameOverride }: { docId: string; nameOverride: string | null }) {
  const { identity, setName } = useLocalIdentity(useNameFromAddress(nameOverride))
  const accessToken = useAccessToken()
  const { access, state } = useDocAccess(docId, { accessToken, name: identity?.name ?? null, enabled: identity !== null })
  const lastCanEdit = useRef(false)
  const [renaming, setRenaming] = useState(false)
  const started = useRef(false)
  const userKey = identity && accessToken !== undefined ? localCopyUserKey({ accessToken, browserId: identity.id }) : null
  const offlineCopy = useOfflineCopy(docId, userKey, state.status === 'unreachable')

  const role = state.status === 'open' ? 'editor' : state.status === 'granted' ? state.role : null
  // Offline, the role last seen online (kept with the local copy) decides; the server checks again.
  const canEdit = state.status === 'unreachable' ? lastCanEdit.current : roleCanWrite(role)

  if (state.status === 'denied') return <AccessPage reason={state.reason} />
  if (!identity || !access || !userKey || state.status === 'checking') return <Shell />
  // The server cannot be asked: open the copy on this device when there is one (before the
  // document was ever shown here, or after; a copy already open simply stays open).
  const offline = state.status === 'unreachable'
  if (offline && !started.current && offlineCopy === undefined) return <Shell />
  if (offline && !started.current && offlineCopy === null) {
    return (
      <Shell
        notice={
          <div className="banner banner--warning" role="status" data-testid="access-unreachable">
            Can’t reach the server, and this document has not been opened on this device, so there is no copy of it here. Retrying…{' '}
            <button type="button" className="tandem-link-button" onClick={() => void access.check()}>
              Try now
            </button>
          </div>
        }
      />
    )
  }

  const nameFromToken = state.status === 'granted' && state.nameFromToken
  const tokenName = offline ? (decodeTokenClaims(accessToken)?.name ?? null) : null
  const displayName = nameFromToken ? state.name : (tokenName ?? identity.name)
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
  const nameSettled = offline || state.status === 'open' || nameFromToken || state.requestedName === identity.name
  if (!nameSettled && !started.current) return <Shell />
  if (!started.current && offline && offlineCopy) lastCanEdit.current = offlineCopy.canEdit ?? true
  started.current = true
  if (!offline) lastCanEdit.current = canEdit

  const sessionToken = state.status === 'granted' ? state.token : null
  const user = { name: displayName, color: identity.color, id: personIdFor({ sessionToken, browserId: identity.id }) }
  return (
    <TandemDocProvider docId={docId} user={user} access={access} localCopy={{ userKey }}>
      <Workspace
        docId={docId}
        identity={identity}
        access={access}
        accessToken={accessToken ?? null}
        auth={state.status === 'granted'}
        offline={offline}
        canEdit={offline ? lastCanEdit.current : canEdit}
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
          <>
            <button type="button" className="tandem-button tandem-file-button" disabled aria-hidden="true" tabIndex={-1}>
              <DownloadIcon />
              <span className="tandem-file-button__label">Download</span>
              <ChevronDownIcon />
            </button>
            <button type="button" className="tandem-button tandem-button--primary tandem-share" disabled aria-hidden="true" tabIndex={-1}>
              <span>Share</span>
            </button>
          </>
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

/**
 * `?name=` as the server rendered it, or read from the address bar: a page served offline by the
 * service worker is its stored copy, rendered without the query.
 */
function useNameFromAddress(rendered: string | null): string | null {
  const [fromAddress, setFromAddress] = useState<string | null>(null)
  useEffect(() => {
    if (rendered === null) setFromAddress(new URLSearchParams(window.location.search).get('name'))
  }, [rendered])
  return rendered ?? fromAddress
}

/**
 * Whether this device has a copy of the document (`undefined` while looking), asked only when
 * the server cannot be reached.
 */
function useOfflineCopy(docId: string, userKey: string | null, unreachable: boolean): LocalCopyInfo | null | undefined {
  const [found, setFound] = useState<{ key: string; info: LocalCopyInfo | null } | null>(null)
  const key = userKey ? localCopyName({ serverUrl: collabUrlFromLocation(window.location), userKey, docId }) : null
  useEffect(() => {
    if (!unreachable || key === null) return
    let live = true
    void peekLocalCopy(key).then((info) => {
      if (live) setFound({ key, info })
    })
    return () => {
      live = false
    }
  }, [key, unreachable])
  return found !== null && found.key === key ? found.info : undefined
}

function closedMessage(code: number): string {
  if (code === CloseCode.DocumentDeleted.code) {
    return 'This document was deleted, and its copy on this device was removed. What you see stays readable until you leave this page.'
  }
  if (code === CloseCode.Unauthorized.code || code === CloseCode.Forbidden.code) return 'You no longer have access to this document.'
  return 'The server closed this document. Reload the page to try again.'
}

function Workspace({
  docId,
  identity,
  access,
  accessToken,
  auth,
  offline,
  canEdit,
  onEditName,
}: {
  docId: string
  identity: LocalIdentity
  access: DocAccess
  /** The person's own token (from the link), which may create documents; null in open mode. */
  accessToken: string | null
  auth: boolean
  offline: boolean
  canEdit: boolean
  onEditName?: () => void
}) {
  const title = useDocTitle()
  const closed = useClosedReason()
  const connection = useTandemConnection()
  const writable = canEdit && !closed
  // A new document from an import is made with the person's own token, under a prefix it grants.
  const claims = auth ? decodeTokenClaims(accessToken) : null
  const createPrefix = !auth ? '' : roleCanWrite(claims?.role ?? 'viewer') ? creatablePrefix(claims?.docs) : null
  const create = createPrefix === null ? undefined : { token: auth ? accessToken : null, idPrefix: createPrefix || undefined }

  // Remember the role with the local copy, for a page opened offline later.
  useEffect(() => {
    if (connection && !offline) connection.rememberRole(canEdit)
  }, [connection, offline, canEdit])

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
            <DownloadMenu docId={docId} token={() => access.token} />
            {writable && !offline && <ImportButton docId={docId} token={() => access.token} create={create} />}
            {!offline && !closed && <VersionHistoryButton docId={docId} canEdit={writable} token={() => access.token} />}
            {canEdit && <ShareButton docId={docId} auth={auth} token={() => access.token} />}
          </>
        }
      />
      {offline && !closed && (
        <div className="banner banner--warning" role="status" data-testid="offline-copy">
          Can’t reach the server: this is the copy on this device.{' '}
          {canEdit ? 'What you write is kept here and sent when the connection returns.' : ''}
        </div>
      )}
      {closed && (
        <div className="banner" role="alert" data-testid="closed-banner" data-code={closed.code}>
          {closedMessage(closed.code)} <a href="/">Back to your documents</a>
        </div>
      )}
      <div className="workspace__body">
        <main className="workspace__main">
          <CollaborativeEditor editable={writable} toolbar={canEdit} find="page" wordCount />
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
