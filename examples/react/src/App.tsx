import { useMemo } from 'react'
import { CollaborativeEditor, ConnectionStatusBadge, PresenceList, SaveIndicator, TandemDocProvider } from 'tandem-editor/react'

const COLOURS = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2']

/** Everything comes from the address: ?doc=team-notes&name=Ada (&server=ws://…/collab &token=… with auth on). */
function settingsFromUrl() {
  const params = new URLSearchParams(window.location.search)
  const name = params.get('name')?.trim() || 'Guest'
  return {
    docId: params.get('doc')?.trim() || 'team-notes',
    name,
    // A colour per name, so the same person keeps theirs across reloads.
    color: COLOURS[[...name].reduce((sum, c) => sum + c.charCodeAt(0), 0) % COLOURS.length]!,
    serverUrl: params.get('server') || import.meta.env.VITE_TANDEM_SERVER || 'ws://localhost:3000/collab',
    token: params.get('token') ?? undefined,
  }
}

export function App() {
  const { docId, name, color, serverUrl, token } = useMemo(settingsFromUrl, [])
  const user = useMemo(() => ({ name, color }), [name, color])
  return (
    <main className="notes">
      <header className="notes__header">
        <h1>{docId}</h1>
        <p>
          Writing as <strong>{name}</strong>
        </p>
      </header>
      <TandemDocProvider docId={docId} serverUrl={serverUrl} token={token} user={user}>
        <div className="notes__bar">
          <ConnectionStatusBadge />
          <SaveIndicator />
          <PresenceList />
        </div>
        <CollaborativeEditor label={`${docId} text`} />
      </TandemDocProvider>
    </main>
  )
}
