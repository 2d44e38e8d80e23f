'use client'

import { useEffect, useState } from 'react'
import { type AccessState, createDocAccess, type DocAccess, fetchAuthMode } from '../client/doc-access'
import { takeAccessToken } from '../client/tokens'

/**
 * This origin's access token: taken from `?token=` (then remembered, and removed from the
 * address bar) or remembered from an earlier visit. `undefined` until read in the browser
 * (server rendering, first render); `null` when there is none.
 */
export function useAccessToken(): string | null | undefined {
  const [token, setToken] = useState<string | null | undefined>(undefined)
  useEffect(() => {
    setToken(takeAccessToken())
  }, [])
  return token
}

/** Whether this server runs with auth on (`'unknown'` when it cannot be reached). */
export function useAuthMode(baseUrl?: string): 'checking' | 'open' | 'auth' | 'unknown' {
  const [mode, setMode] = useState<'checking' | 'open' | 'auth' | 'unknown'>('checking')
  useEffect(() => {
    let live = true
    void fetchAuthMode({ baseUrl }).then((result) => {
      if (live) setMode(result)
    })
    return () => {
      live = false
    }
  }, [baseUrl])
  return mode
}

const CHECKING: AccessState = { status: 'checking' }

export interface UseDocAccessOptions {
  /** From `useAccessToken()`: nothing is asked while it is `undefined`. */
  accessToken: string | null | undefined
  /** The person's chosen name, put in the session token when the access token has none. */
  name?: string | null
  /** Wait (e.g. for the local identity) before asking; default true. */
  enabled?: boolean
  baseUrl?: string
}

/**
 * Asks the server what this page may do with a document (open mode, a role, or why not) and
 * keeps the answer current: pass `access` to `<TandemDocProvider access>` so reconnects use
 * fresh tokens. Created in an effect and destroyed in its cleanup (StrictMode-safe).
 */
export function useDocAccess(docId: string, options: UseDocAccessOptions): { access: DocAccess | null; state: AccessState } {
  const { accessToken, name = null, enabled = true, baseUrl } = options
  const [access, setAccess] = useState<DocAccess | null>(null)
  const [state, setState] = useState<AccessState>(CHECKING)
  const ready = enabled && accessToken !== undefined

  // biome-ignore lint/correctness/useExhaustiveDependencies: the name is passed on by the effect below, without starting over
  useEffect(() => {
    if (!ready) return
    const created = createDocAccess({ docId, accessToken: accessToken ?? null, name, baseUrl })
    setAccess(created)
    setState(created.state.value)
    const unsubscribe = created.state.subscribe(setState)
    void created.check()
    return () => {
      unsubscribe()
      created.destroy()
      setAccess((current) => (current === created ? null : current))
      setState(CHECKING)
    }
  }, [docId, accessToken, ready, baseUrl])

  useEffect(() => {
    access?.setName(name)
  }, [access, name])

  return { access, state }
}
