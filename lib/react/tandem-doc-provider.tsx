'use client'

import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react'
import { createConnection, type LocalCopyOptions, type TandemConnection } from '../client/connection'
import type { DocAccess } from '../client/doc-access'
import type { TandemUser } from '../client/identity'

const TandemDocContext = createContext<TandemConnection | null>(null)

export interface TandemDocProviderProps {
  docId: string
  user: TandemUser
  /** Base of the sync endpoint (`wss://host/collab`); defaults to the page's own host. */
  serverUrl?: string
  token?: string
  /** From `useDocAccess`: keeps the token current (refreshed, re-checked when refused). */
  access?: DocAccess | null
  /**
   * Keep a copy of the document on this device (IndexedDB) so offline edits survive reloads;
   * on by default. `{ userKey }` names whose copy it is (see `localCopyUserKey`).
   */
  localCopy?: boolean | LocalCopyOptions
  children?: ReactNode
}

/**
 * Opens one connection (Y.Doc + WebSocket provider + awareness) for its subtree. The
 * connection is created inside an effect and destroyed by its cleanup, so StrictMode's
 * mount–unmount–mount leaves no orphaned socket, and nothing runs during server rendering.
 * Changing the user renames in place; changing docId, serverUrl, token or access reconnects
 * (a token refreshed by `access` does not: it is used by the next socket).
 */
export function TandemDocProvider({ docId, user, serverUrl, token, access, localCopy = true, children }: TandemDocProviderProps) {
  const [connection, setConnection] = useState<TandemConnection | null>(null)
  const userRef = useRef(user)
  userRef.current = user

  // Compared by value: a new options object with the same key is the same local copy.
  const copyKey = localCopy === false ? null : localCopy === true ? '' : (localCopy.userKey ?? '')

  useEffect(() => {
    const created = createConnection({
      docId,
      serverUrl,
      token,
      access: access ?? undefined,
      user: userRef.current,
      localCopy: copyKey === null ? false : copyKey === '' ? true : { userKey: copyKey },
    })
    setConnection(created)
    return () => {
      setConnection((current) => (current === created ? null : current))
      created.destroy()
    }
  }, [docId, serverUrl, token, access, copyKey])

  useEffect(() => {
    const current = connection?.user
    if (connection && current && (current.name !== user.name || current.color !== user.color || current.id !== user.id)) {
      connection.setUser({ name: user.name, color: user.color, ...(user.id ? { id: user.id } : {}) })
    }
  }, [connection, user.name, user.color, user.id])

  return <TandemDocContext.Provider value={connection}>{children}</TandemDocContext.Provider>
}

/** The open connection, or null before it exists (first render, server rendering). */
export function useTandemConnection(): TandemConnection | null {
  return useContext(TandemDocContext)
}
