'use client'

import { type KeyboardEvent, useId, useMemo, useRef, useState } from 'react'
import { DOWNLOAD_FORMATS, type DownloadFormatInfo, downloadFileName, downloadFileText, explainContentError } from '../client/content-files'
import { createDocsClient, type DocsClient } from '../client/docs-client'
import { useDocTitle } from './hooks'
import { ChevronDownIcon, DownloadIcon } from './icons'
import { useDismissableMenu } from './use-dismissable-menu'

/** Hands a file to the browser's downloads (an object URL on a clicked `<a download>`). */
function saveFile(name: string, text: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mimeType};charset=utf-8` }))
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.append(link)
  link.click()
  link.remove()
  // The download has taken the blob by the next task; the URL is not needed after that.
  setTimeout(() => URL.revokeObjectURL(url), 0)
}

export interface DownloadMenuProps {
  docId: string
  /** Bearer token for the content API (a function is asked each time: tokens get refreshed). */
  token?: string | null | (() => string | null | undefined)
  /** Origin of the Tandem server; empty for same-origin. */
  baseUrl?: string
  client?: DocsClient
}

/**
 * Download (`[data-testid="download"]`) opens a menu of formats; each downloads what the
 * server has stored (`GET /api/docs/<id>/content?format=`), named after the document's title.
 * Inside a `TandemDocProvider` (for the title).
 */
export function DownloadMenu({ docId, token, baseUrl, client: given }: DownloadMenuProps) {
  const tokenRef = useRef(token)
  tokenRef.current = token
  const client = useMemo(
    () =>
      given ?? createDocsClient({ baseUrl, token: () => (typeof tokenRef.current === 'function' ? tokenRef.current() : tokenRef.current) }),
    [given, baseUrl],
  )
  const title = useDocTitle()
  const [open, setOpen] = useState(false)
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const rootRef = useRef<HTMLDivElement>(null)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const menuRef = useRef<HTMLDivElement>(null)
  const menuId = useId()

  useDismissableMenu({
    open,
    close: () => setOpen(false),
    root: rootRef,
    button: buttonRef,
    onOpen: () => menuRef.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus(),
  })

  const download = async (info: DownloadFormatInfo) => {
    if (busy) return
    setBusy(info.format)
    setError(null)
    try {
      const body = await client.readContent(docId, info.format)
      saveFile(downloadFileName(title, info.extension), downloadFileText(info.format, title, body), info.mimeType)
      setOpen(false)
      buttonRef.current?.focus()
    } catch (problem) {
      setError(explainContentError(problem))
    } finally {
      setBusy(null)
    }
  }

  // Arrow keys move between the formats, as in any menu.
  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return
    event.preventDefault()
    const items = Array.from(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])
    const at = items.indexOf(document.activeElement as HTMLButtonElement)
    const next = (at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length
    items[next]?.focus()
  }

  return (
    <div className="tandem-share-menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="tandem-button tandem-file-button"
        data-testid="download"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        title="Download this document"
        onClick={() => {
          setError(null)
          setOpen((value) => !value)
        }}
      >
        <DownloadIcon />
        <span className="tandem-file-button__label">Download</span>
        <ChevronDownIcon />
      </button>
      {open && (
        <div className="tandem-popover tandem-popover--narrow" data-testid="download-menu">
          <p className="tandem-popover__title" aria-hidden="true">
            Download as
          </p>
          <div ref={menuRef} id={menuId} role="menu" aria-label="Download as" onKeyDown={onMenuKeyDown}>
            {DOWNLOAD_FORMATS.map((info) => (
              <button
                key={info.format}
                type="button"
                role="menuitem"
                className="tandem-share-option tandem-share-option--compact"
                data-testid={`download-${info.format}`}
                disabled={busy !== null}
                onClick={() => void download(info)}
              >
                <span className="tandem-share-option__label">{busy === info.format ? 'Preparing…' : info.label}</span>
                <span className="tandem-share-option__ext">{info.extension}</span>
              </button>
            ))}
          </div>
          <div className="tandem-popover__status" role="status" aria-live="polite" data-testid="download-status">
            {error && <span className="tandem-popover__error">{error}</span>}
          </div>
          <p className="tandem-popover__foot">What the server has saved, named after the title.</p>
        </div>
      )}
    </div>
  )
}
