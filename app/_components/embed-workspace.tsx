'use client'

import { localCopyUserKey } from '../../lib/client/local-copy'
import { roleCanWrite } from '../../lib/protocol/access'
import {
  AccessMessage,
  AvatarStack,
  CollaborativeEditor,
  ConnectionStatusBadge,
  SaveIndicator,
  TandemDocProvider,
  useAccessToken,
  useDocAccess,
  useLocalIdentity,
  ViewOnlyBadge,
} from '../../lib/react'

/**
 * The editor without app chrome. No name prompt inside a frame: the token's name, `?name=`, a
 * remembered name, or "Guest". `?token=` works as on the document page (exchanged, refreshed).
 */
export function EmbedWorkspace({
  docId,
  nameOverride,
  toolbar,
  localCopy,
}: {
  docId: string
  nameOverride: string | null
  toolbar: boolean
  /** Keep a copy on the device (IndexedDB) so offline edits survive a reload; `?localCopy=0` turns it off. */
  localCopy: boolean
}) {
  const { identity } = useLocalIdentity(nameOverride)
  const accessToken = useAccessToken()
  const guestName = identity ? (identity.name ?? `Guest ${identity.id.slice(0, 4).toUpperCase()}`) : null
  const { access, state } = useDocAccess(docId, { accessToken, name: guestName, enabled: identity !== null })

  if (state.status === 'denied') {
    return (
      <div className="embed embed--denied" data-tandem-root>
        <AccessMessage reason={state.reason} compact />
      </div>
    )
  }
  if (!identity || !access || state.status === 'checking' || state.status === 'unreachable' || !guestName) {
    return (
      <div className="embed" data-tandem-root>
        <CollaborativeEditor toolbar={toolbar} />
      </div>
    )
  }
  const canEdit = state.status === 'open' || roleCanWrite(state.role)
  const name = (state.status === 'granted' && state.nameFromToken ? state.name : null) ?? guestName
  return (
    <TandemDocProvider
      docId={docId}
      user={{ name, color: identity.color }}
      access={access}
      localCopy={localCopy ? { userKey: localCopyUserKey({ accessToken: accessToken ?? null, browserId: identity.id }) } : false}
    >
      <div className="embed" data-tandem-root data-role={canEdit ? 'editor' : 'viewer'}>
        <div className="embed__bar">
          <ConnectionStatusBadge />
          {canEdit ? <SaveIndicator /> : <ViewOnlyBadge />}
          <span className="embed__spacer" />
          <AvatarStack />
        </div>
        <CollaborativeEditor toolbar={toolbar && canEdit} editable={canEdit} />
      </div>
    </TandemDocProvider>
  )
}
