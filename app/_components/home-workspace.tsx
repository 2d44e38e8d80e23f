'use client'

import { useMemo, useState } from 'react'
import {
  clearLocalCopies,
  collabUrlFromLocation,
  creatablePrefix,
  createDocsClient,
  decodeTokenClaims,
  deleteLocalCopy,
  forgetAccessToken,
  listLocalDocuments,
  localCopyName,
  localCopyPrefixFor,
  localCopyUserKey,
  roleCanWrite,
} from 'tandem-editor'
import { AccessMessage, Avatar, DocumentList, useAccessToken, useAuthMode, useLocalIdentity } from 'tandem-editor/react'
import { BrandLink } from './logo'

/**
 * The documents list. With auth on it uses this origin's access token (from `?token=` or
 * remembered): the server lists only the documents it grants, and people who may not edit
 * see no create, rename or delete.
 */
export function HomeWorkspace() {
  const accessToken = useAccessToken()
  const mode = useAuthMode()
  const { identity } = useLocalIdentity()
  const [denied, setDenied] = useState<string | null>(null)
  const claims = useMemo(() => decodeTokenClaims(accessToken), [accessToken])
  const client = useMemo(() => createDocsClient({ token: accessToken ?? null }), [accessToken])
  const browserId = identity?.id ?? null
  const copyOwner = useMemo(
    () =>
      browserId === null || accessToken === undefined
        ? null
        : { serverUrl: collabUrlFromLocation(window.location), userKey: localCopyUserKey({ accessToken, browserId }) },
    [accessToken, browserId],
  )
  const offlineDocuments = useMemo(() => (copyOwner ? () => listLocalDocuments(copyOwner) : undefined), [copyOwner])
  // A document deleted from the list leaves nothing behind on this device either.
  const onDeleted = useMemo(
    () => (copyOwner ? (docId: string) => void deleteLocalCopy(localCopyName({ ...copyOwner, docId })) : undefined),
    [copyOwner],
  )

  const auth = mode === 'auth' || (mode === 'unknown' && accessToken != null)
  const role = auth ? (claims?.role ?? 'viewer') : 'editor'
  const canEdit = roleCanWrite(role)
  const prefix = auth ? creatablePrefix(claims?.docs) : ''
  const deniedReason = denied ?? (mode === 'auth' && accessToken === null ? 'MissingToken' : null)
  const ready = accessToken !== undefined && mode !== 'checking'
  // The name others see: the token's own, else the one chosen in this browser (as in documents).
  const displayName = claims?.name ?? identity?.name ?? null

  return (
    <div className="home">
      <header className="home__header">
        <BrandLink />
        {ready && auth && accessToken && !deniedReason && (
          <div className="account" data-testid="account">
            {displayName && identity && <Avatar name={displayName} color={identity.color} size="sm" />}
            <span className="account__name">{displayName ?? 'Signed in with a link'}</span>
            <span className="account__role">{canEdit ? 'Editor' : 'View only'}</span>
            <button
              type="button"
              className="tandem-button tandem-button--ghost tandem-button--small"
              title="Forget the access link and the documents’ copies stored in this browser"
              onClick={() => {
                forgetAccessToken(window.localStorage)
                // Nothing of this account stays on the device: its documents' local copies go too.
                void clearLocalCopies(localCopyPrefixFor(collabUrlFromLocation(window.location))).finally(() => window.location.reload())
              }}
            >
              Sign out
            </button>
          </div>
        )}
      </header>
      {deniedReason ? (
        <main className="access-page__main">
          <AccessMessage reason={deniedReason} place="home" />
        </main>
      ) : (
        <main className="home__main">
          <h1 className="home__title">Write together, in real time</h1>
          <p className="home__lede">
            {!auth
              ? 'Every document is live: share its link and edit side by side, with everyone’s cursor in view.'
              : canEdit
                ? 'Every document is live. Invite people from its Share menu, with an edit or a view-only link.'
                : 'The documents shared with you, live as others write.'}
          </p>
          {ready ? (
            <DocumentList
              client={client}
              canCreate={canEdit && prefix !== null}
              canManage={canEdit}
              idPrefix={prefix || undefined}
              onAccessDenied={setDenied}
              offlineDocuments={offlineDocuments}
              onDeleted={onDeleted}
              emptyText={
                auth && canEdit
                  ? 'Give your first document a title above and press New document, then invite people from its Share menu.'
                  : undefined
              }
            />
          ) : (
            <ul className="tandem-doclist__list" aria-busy="true" aria-label="Loading documents">
              {[0, 1, 2].map((i) => (
                <li key={i} className="tandem-doclist__item tandem-doclist__item--skeleton" />
              ))}
            </ul>
          )}
        </main>
      )}
    </div>
  )
}
