'use client'

import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { createDocsClient, DocsApiError, type DocsClient } from '../client/docs-client'
import { CheckIcon, EyeIcon, LinkIcon, PencilIcon } from './icons'
import { useDismissableMenu } from './use-dismissable-menu'

type LinkRole = 'editor' | 'viewer'

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    // Clipboard API refused (insecure origin, no permission): the old selection route.
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.append(area)
    area.select()
    let ok = false
    try {
      ok = document.execCommand('copy')
    } catch {
      ok = false
    }
    area.remove()
    return ok
  }
}

/**
 * Copies a link that is still being made. `ClipboardItem` with a promise keeps the click's
 * user activation alive while the server answers (Safari requires that); otherwise the text
 * is written once it is known.
 */
async function copyPendingText(pending: Promise<string>): Promise<{ text: string; copied: boolean }> {
  if (typeof ClipboardItem !== 'undefined' && typeof navigator.clipboard?.write === 'function') {
    try {
      const blob = pending.then((text) => new Blob([text], { type: 'text/plain' }))
      await navigator.clipboard.write([new ClipboardItem({ 'text/plain': blob })])
      return { text: await pending, copied: true }
    } catch {
      // fall through: write the text directly (or report the API's own error below)
    }
  }
  const text = await pending
  return { text, copied: await copyText(text) }
}

function formatDay(iso: string | null): string | null {
  if (!iso) return null
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? null : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: 'numeric' })
}

/**
 * Words for the person sharing, never the server's own message (that one is for whoever runs
 * the server: it names settings and endpoints).
 */
export const VIEW_ONLY_UNAVAILABLE = 'View-only links aren’t available on this server. Ask whoever runs it.'

function linkErrorMessage(error: unknown): string {
  if (!(error instanceof DocsApiError)) return 'Couldn’t reach the server to make a link. Check your connection and try again.'
  if (error.status === 409) return 'This server can’t make links. Ask whoever runs it.'
  if (error.status === 401 || error.status === 403) return 'You can’t make links for this document.'
  return 'Couldn’t make a link. Try again.'
}

type Result =
  | { kind: 'copied'; role: LinkRole; until: string | null; auth: boolean }
  | { kind: 'manual'; role: LinkRole; url: string }
  | { kind: 'error'; message: string }

export interface ShareButtonProps {
  docId: string
  /** Whether the server runs with auth (then view-only links exist). Default false (open mode). */
  auth?: boolean
  /** Bearer token for the links API (a function is asked each time: tokens get refreshed). */
  token?: string | null | (() => string | null | undefined)
  /** Origin of the Tandem server; empty for same-origin. */
  baseUrl?: string
  client?: DocsClient
}

/**
 * Share (`[data-testid="share"]`) opens a small menu: "Copy edit link" and "Copy view-only
 * link", each made by the server (`POST /api/docs/<id>/links`) and copied as an absolute URL.
 * On a server without sign-in (open mode) the view-only entry is disabled and says so in plain words.
 */
export function ShareButton({ docId, auth = false, token, baseUrl, client: given }: ShareButtonProps) {
  const tokenRef = useRef(token)
  tokenRef.current = token
  const client = useMemo(
    () =>
      given ?? createDocsClient({ baseUrl, token: () => (typeof tokenRef.current === 'function' ? tokenRef.current() : tokenRef.current) }),
    [given, baseUrl],
  )
  const [open, setOpen] = useState(false)
  const [busy, setBusy] = useState<LinkRole | null>(null)
  const [result, setResult] = useState<Result | null>(null)
  const [flash, setFlash] = useState(false)
  const rootRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const firstItemRef = useRef<HTMLButtonElement>(null)
  const flashTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const panelId = useId()
  const viewHintId = useId()

  useEffect(
    () => () => {
      if (flashTimer.current) clearTimeout(flashTimer.current)
    },
    [],
  )

  useDismissableMenu({
    open,
    close: () => setOpen(false),
    root: rootRef,
    button: buttonRef,
    onOpen: () => firstItemRef.current?.focus(),
  })

  const copy = async (role: LinkRole) => {
    if (busy) return
    setBusy(role)
    setResult(null)
    try {
      // A document exists from its first write (L8): sharing one nobody has written in yet
      // (the server knows no such document) stores it first, then makes the link.
      const pendingLink = client.createLink(docId, role).catch(async (error: unknown) => {
        if (!(error instanceof DocsApiError) || error.status !== 404) throw error
        await client.ensure(docId)
        return client.createLink(docId, role)
      })
      const pendingUrl = pendingLink.then((link) => new URL(link.url, baseUrl || window.location.origin).toString())
      const { text, copied } = await copyPendingText(pendingUrl)
      const link = await pendingLink
      if (copied) {
        setResult({ kind: 'copied', role, until: formatDay(link.expiresAt), auth: link.auth })
        setFlash(true)
        if (flashTimer.current) clearTimeout(flashTimer.current)
        flashTimer.current = setTimeout(() => setFlash(false), 2500)
      } else {
        setResult({ kind: 'manual', role, url: text })
      }
    } catch (error) {
      setResult({ kind: 'error', message: linkErrorMessage(error) })
    } finally {
      setBusy(null)
    }
  }

  const copiedRole = result?.kind === 'copied' ? result.role : null

  return (
    <div className="tandem-share-menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="tandem-button tandem-button--primary tandem-share"
        data-testid="share"
        data-state={flash ? 'copied' : 'idle'}
        // Named even where narrow layouts hide the word and show only the icon.
        aria-label={flash ? 'Link copied' : 'Share'}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((value) => !value)}
      >
        {flash ? <CheckIcon /> : <LinkIcon />}
        <span aria-live="polite">{flash ? 'Link copied' : 'Share'}</span>
      </button>
      {open && (
        <div className="tandem-popover" id={panelId} role="dialog" aria-label="Share this document" data-testid="share-menu">
          <p className="tandem-popover__title">Share this document</p>
          <button
            ref={firstItemRef}
            type="button"
            className="tandem-share-option"
            data-testid="copy-edit-link"
            disabled={busy !== null}
            onClick={() => void copy('editor')}
          >
            <span className="tandem-share-option__icon" aria-hidden="true">
              {copiedRole === 'editor' ? <CheckIcon /> : <PencilIcon />}
            </span>
            <span className="tandem-share-option__text">
              <span className="tandem-share-option__label">{busy === 'editor' ? 'Making link…' : 'Copy edit link'}</span>
              <span className="tandem-share-option__hint">Anyone with this link can edit</span>
            </span>
          </button>
          <button
            type="button"
            className="tandem-share-option"
            data-testid="copy-view-link"
            disabled={!auth || busy !== null}
            aria-describedby={viewHintId}
            onClick={() => void copy('viewer')}
          >
            <span className="tandem-share-option__icon" aria-hidden="true">
              {copiedRole === 'viewer' ? <CheckIcon /> : <EyeIcon />}
            </span>
            <span className="tandem-share-option__text">
              <span className="tandem-share-option__label">{busy === 'viewer' ? 'Making link…' : 'Copy view-only link'}</span>
              <span className="tandem-share-option__hint" id={viewHintId} data-testid="view-link-hint">
                {auth ? 'Can read and see who’s here, but not edit' : VIEW_ONLY_UNAVAILABLE}
              </span>
            </span>
          </button>
          <div className="tandem-popover__status" role="status" aria-live="polite" data-testid="share-status">
            {result?.kind === 'copied' && (
              <span className="tandem-popover__ok">
                <CheckIcon />
                <span>
                  {result.role === 'viewer' ? 'View-only link' : 'Edit link'} copied
                  {result.auth && result.until ? <span className="tandem-popover__until"> · works until {result.until}</span> : null}
                </span>
              </span>
            )}
            {result?.kind === 'error' && <span className="tandem-popover__error">{result.message}</span>}
          </div>
          {result?.kind === 'manual' && (
            <label className="tandem-popover__manual">
              <span>Copying was blocked; copy this link yourself:</span>
              <input
                className="tandem-input"
                readOnly
                value={result.url}
                onFocus={(event) => event.currentTarget.select()}
                // biome-ignore lint/a11y/noAutofocus: the link appears because the person asked to copy it
                autoFocus
              />
            </label>
          )}
          <p className="tandem-popover__foot">
            {auth
              ? 'Each link carries its own access and stops working when it expires. People who open one choose the name others see.'
              : 'Anyone with the link can open and edit this document.'}
          </p>
        </div>
      )}
    </div>
  )
}
