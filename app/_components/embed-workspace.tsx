'use client'

import { AvatarStack, CollaborativeEditor, ConnectionStatusBadge, SaveIndicator, TandemDocProvider, useLocalIdentity } from '../../lib/react'

/** The editor without app chrome. No name prompt inside a frame: `?name=`, a remembered name, or "Guest". */
export function EmbedWorkspace({
  docId,
  nameOverride,
  toolbar,
  token,
}: {
  docId: string
  nameOverride: string | null
  toolbar: boolean
  token?: string
}) {
  const { identity } = useLocalIdentity(nameOverride)
  if (!identity) {
    return (
      <div className="embed" data-tandem-root>
        <CollaborativeEditor toolbar={toolbar} />
      </div>
    )
  }
  const user = { name: identity.name ?? `Guest ${identity.id.slice(0, 4).toUpperCase()}`, color: identity.color }
  return (
    <TandemDocProvider docId={docId} user={user} token={token}>
      <div className="embed" data-tandem-root>
        <div className="embed__bar">
          <ConnectionStatusBadge />
          <SaveIndicator />
          <span className="embed__spacer" />
          <AvatarStack />
        </div>
        <CollaborativeEditor toolbar={toolbar} />
      </div>
    </TandemDocProvider>
  )
}
