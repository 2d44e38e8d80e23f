'use client'

import { useEffect, useRef, useState } from 'react'
import { bindEmbedBridge, createEmbedBridge, detectHostOrigin, type EmbedBridge } from '../../lib/client/embed-bridge'
import { embedContent } from '../../lib/client/embed-content'
import { localCopyUserKey } from '../../lib/client/local-copy'
import { personIdFor } from '../../lib/client/tokens'
import { roleCanWrite } from '../../lib/protocol/access'
import type { EmbedOrigins } from '../../lib/protocol/embed-messages'
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
  useTandemConnection,
  ViewOnlyBadge,
} from '../../lib/react'

export type EmbedTheme = 'light' | 'dark' | null

type Connection = NonNullable<ReturnType<typeof useTandemConnection>>

/** Hands the open connection to the bridge (status, saved, presence, changes) and to `content`. */
function BridgeBinding({ bridge, connectionRef }: { bridge: EmbedBridge | null; connectionRef: { current: Connection | null } }) {
  const connection = useTandemConnection()
  useEffect(() => {
    connectionRef.current = connection
    if (!connection || !bridge) return
    const unbind = bindEmbedBridge(bridge, connection)
    return () => {
      unbind()
      if (connectionRef.current === connection) connectionRef.current = null
    }
  }, [bridge, connection, connectionRef])
  return null
}

/**
 * The editor without app chrome. No name prompt inside a frame: the name the host sets
 * (`tandem:set-user`), the token's name, `?name=`, a remembered name, or "Guest". `?token=`
 * works as on the document page (exchanged, refreshed). The host page talks to it through
 * postMessage (lib/client/embed-bridge.ts), if its origin is among `embedOrigins`.
 */
export function EmbedWorkspace({
  docId,
  nameOverride,
  toolbar,
  localCopy,
  theme,
  embedOrigins,
}: {
  docId: string
  nameOverride: string | null
  toolbar: boolean
  /** Keep a copy on the device (IndexedDB) so offline edits survive a reload; `?localCopy=0` turns it off. */
  localCopy: boolean
  /** `?theme=`: light or dark whatever the system prefers; null follows the system. */
  theme: EmbedTheme
  /** Origins the bridge may talk to (from the server, see server/http/embed-policy.ts). */
  embedOrigins: EmbedOrigins
}) {
  const { identity } = useLocalIdentity(nameOverride)
  const accessToken = useAccessToken()
  const [hostUser, setHostUser] = useState<{ name: string; color?: string } | null>(null)
  const [bridge, setBridge] = useState<EmbedBridge | null>(null)
  const connectionRef = useRef<Connection | null>(null)
  const guestName = identity ? (hostUser?.name ?? identity.name ?? `Guest ${identity.id.slice(0, 4).toUpperCase()}`) : null
  const { access, state } = useDocAccess(docId, { accessToken, name: guestName, enabled: identity !== null })

  useEffect(() => {
    const created = createEmbedBridge({
      docId,
      self: window,
      host: window.parent,
      hostOrigin: detectHostOrigin(window),
      allowedOrigins: embedOrigins,
      handlers: {
        content(format) {
          const connection = connectionRef.current
          if (!connection) throw new Error('the document is not open yet')
          return embedContent(connection.doc, format)
        },
        setUser: (user) => setHostUser(user),
        focus: () => document.querySelector<HTMLElement>('[data-tandem-root] .ProseMirror')?.focus(),
      },
    })
    created.ready()
    setBridge(created)
    return () => created.destroy()
  }, [docId, embedOrigins])

  useEffect(() => {
    if (bridge && state.status === 'denied') bridge.error(state.reason, state.httpStatus, state.message)
  }, [bridge, state])

  const themeAttribute = theme ?? undefined
  if (state.status === 'denied') {
    return (
      <div className="embed embed--denied" data-tandem-root data-theme={themeAttribute}>
        <AccessMessage reason={state.reason} compact />
      </div>
    )
  }
  if (!identity || !access || state.status === 'checking' || state.status === 'unreachable' || !guestName) {
    return (
      <div className="embed" data-tandem-root data-theme={themeAttribute}>
        <CollaborativeEditor toolbar={toolbar} />
      </div>
    )
  }
  const canEdit = state.status === 'open' || roleCanWrite(state.role)
  const name = (state.status === 'granted' && state.nameFromToken ? state.name : null) ?? guestName
  return (
    <TandemDocProvider
      docId={docId}
      user={{
        name,
        color: hostUser?.color ?? identity.color,
        id: personIdFor({ sessionToken: state.status === 'granted' ? state.token : null, browserId: identity.id }),
      }}
      access={access}
      localCopy={localCopy ? { userKey: localCopyUserKey({ accessToken: accessToken ?? null, browserId: identity.id }) } : false}
    >
      <BridgeBinding bridge={bridge} connectionRef={connectionRef} />
      <div className="embed" data-tandem-root data-theme={themeAttribute} data-role={canEdit ? 'editor' : 'viewer'}>
        <div className="embed__bar">
          <ConnectionStatusBadge />
          {canEdit ? <SaveIndicator /> : <ViewOnlyBadge />}
          <span className="embed__spacer" />
          <AvatarStack />
        </div>
        <CollaborativeEditor toolbar={toolbar && canEdit} editable={canEdit} find="page" />
      </div>
    </TandemDocProvider>
  )
}
