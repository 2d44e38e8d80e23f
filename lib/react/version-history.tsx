'use client'

import type { JSONContent } from '@tiptap/core'
import { EditorContent, useEditor } from '@tiptap/react'
import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react'
import { createPortal } from 'react-dom'
import { DocsApiError } from '../client/docs-client'
import type { TandemUser } from '../client/identity'
import { formatMomentTime, formatRelativeTime } from '../client/relative-time'
import { createVersionsClient, type Version, type VersionsClient } from '../client/versions-client'
import { documentExtensions } from '../document/schema'
import { ArrowLeftIcon, CloseIcon, HistoryIcon, PlusIcon } from './icons'
import { useTandemConnection } from './tandem-doc-provider'

/** Longest version name the form accepts (the server refuses longer ones). */
export const MAX_VERSION_NAME_LENGTH = 200

type TokenOption = string | null | (() => string | null | undefined)

export interface VersionHistoryProps {
  docId: string
  /** Editors may save, name and restore versions; everyone else only looks. */
  canEdit: boolean
  /** Bearer token for the versions API (a function is asked each time: tokens get refreshed). */
  token?: TokenOption
  /** Origin of the Tandem server; empty for same-origin. */
  baseUrl?: string
  /** Who saves or restores (the author in open mode); defaults to the connection's user. */
  user?: TandemUser
  client?: VersionsClient
}

/** What a version is called in the list: its name, else what made it. */
export function versionLabel(version: Pick<Version, 'name' | 'automatic'>): string {
  return version.name ?? (version.automatic ? 'Automatic version' : 'Saved version')
}

function errorMessage(error: unknown, fallback: string): string {
  if (error instanceof DocsApiError) {
    if (error.status === 401 || error.status === 403) return 'You no longer have access to this document’s history.'
    const text = error.message.trim()
    return text ? text[0]!.toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.') : fallback
  }
  return error instanceof TypeError ? 'Can’t reach the server. Check the connection and try again.' : fallback
}

/** The time of day the page shows relative times against; ticks while mounted. */
function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}

function useVersionsClient({ token, baseUrl, client: given }: Pick<VersionHistoryProps, 'token' | 'baseUrl' | 'client'>) {
  const tokenRef = useRef(token)
  tokenRef.current = token
  return useMemo(
    () =>
      given ??
      createVersionsClient({ baseUrl, token: () => (typeof tokenRef.current === 'function' ? tokenRef.current() : tokenRef.current) }),
    [given, baseUrl],
  )
}

/**
 * History (`[data-testid="history-button"]`) opens the version history panel: every saved
 * version, a read-only preview of the one selected and, for editors, saving, naming and
 * restoring. Closing it (the close button or Escape) returns focus to the button.
 */
export function VersionHistoryButton(props: VersionHistoryProps) {
  const [open, setOpen] = useState(false)
  const buttonRef = useRef<HTMLButtonElement>(null)
  const close = useCallback(() => setOpen(false), [])
  // Focus returns to the button once the panel is gone (while it is open the page behind is inert).
  const wasOpen = useRef(false)
  useEffect(() => {
    if (wasOpen.current && !open) buttonRef.current?.focus()
    wasOpen.current = open
  }, [open])
  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className="tandem-button tandem-history-button"
        data-testid="history-button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label="Version history"
        title="Version history"
        onClick={() => setOpen(true)}
      >
        <HistoryIcon />
        <span>History</span>
      </button>
      {open && <VersionHistoryPanel {...props} onClose={close} />}
    </>
  )
}

type Mode = { kind: 'browse' } | { kind: 'save-new' } | { kind: 'rename' } | { kind: 'confirm-restore' }
type Preview = { versionId: string } & (
  | { status: 'loading' }
  | { status: 'ready'; content: JSONContent }
  | { status: 'error'; message: string }
)
type Notice = { tone: 'ok' | 'error'; text: string } | null

/**
 * The panel itself, a modal side sheet (`<dialog>`: focus stays inside, Escape closes) rendered
 * at the end of the body, away from the live editor. It never touches the live document: the
 * preview is its own read-only editor over the version's ProseMirror JSON, rendered through the
 * shared schema (so nothing the server sends becomes markup by itself).
 */
export function VersionHistoryPanel({ onClose, ...props }: VersionHistoryProps & { onClose: () => void }) {
  const { docId, canEdit } = props
  const client = useVersionsClient(props)
  const connection = useTandemConnection()
  const author = props.user ?? connection?.user
  const dialogRef = useRef<HTMLDialogElement>(null)
  const listRef = useRef<HTMLOListElement>(null)
  const [versions, setVersions] = useState<Version[] | null>(null)
  const [listError, setListError] = useState<string | null>(null)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [preview, setPreview] = useState<Preview | null>(null)
  const [mode, setMode] = useState<Mode>({ kind: 'browse' })
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState<Notice>(null)
  const [portalTarget, setPortalTarget] = useState<HTMLElement | null>(null)
  const now = useNow()
  const headingId = useId()
  const selected = versions?.find((v) => v.id === selectedId) ?? null

  useEffect(() => setPortalTarget(document.body), [])

  // Opened as a modal as soon as it is in the page (it is mounted only while open).
  const attachDialog = useCallback((dialog: HTMLDialogElement | null) => {
    dialogRef.current = dialog
    if (dialog && !dialog.open) dialog.showModal()
  }, [])

  const load = useCallback(async () => {
    setListError(null)
    try {
      const list = await client.list(docId)
      setVersions(list)
      return list
    } catch (error) {
      setListError(errorMessage(error, 'Could not load the versions.'))
      return null
    }
  }, [client, docId])

  useEffect(() => {
    void load()
  }, [load])

  // The preview of the selected version; a newer selection wins over a slower answer.
  const previewRequest = useRef(0)
  const showPreview = useCallback(
    (versionId: string) => {
      const request = ++previewRequest.current
      setPreview({ versionId, status: 'loading' })
      client.content(docId, versionId, 'json').then(
        (content) => {
          if (request !== previewRequest.current) return
          if (typeof content === 'object' && content !== null && (content as { type?: unknown }).type === 'doc') {
            setPreview({ versionId, status: 'ready', content: content as JSONContent })
          } else {
            setPreview({ versionId, status: 'error', message: 'This version’s content could not be read.' })
          }
        },
        (error: unknown) => {
          if (request === previewRequest.current) {
            setPreview({ versionId, status: 'error', message: errorMessage(error, 'Could not load this version.') })
          }
        },
      )
    },
    [client, docId],
  )

  const select = (versionId: string) => {
    setSelectedId(versionId)
    setMode({ kind: 'browse' })
    setNotice(null)
    if (preview?.versionId !== versionId || preview.status === 'error') showPreview(versionId)
  }

  const backToList = () => {
    const id = selectedId
    setSelectedId(null)
    setMode({ kind: 'browse' })
    // On a narrow screen the list comes back: put focus where the person was in it.
    requestAnimationFrame(() => {
      const item = id ? listRef.current?.querySelector<HTMLButtonElement>(`[data-version-id="${CSS.escape(id)}"]`) : null
      item?.focus()
    })
  }

  const run = async (work: () => Promise<void>, failure: string) => {
    if (busy) return
    setBusy(true)
    setNotice(null)
    try {
      await work()
    } catch (error) {
      setNotice({ tone: 'error', text: errorMessage(error, failure) })
    } finally {
      setBusy(false)
    }
  }

  const saveNew = (name: string) =>
    run(async () => {
      const version = await client.create(docId, { name, ...(author ? { user: author } : {}) })
      setMode({ kind: 'browse' })
      await load()
      select(version.id)
      setNotice({ tone: 'ok', text: `Saved “${versionLabel(version)}”.` })
    }, 'Could not save a version.')

  const rename = (version: Version, name: string) =>
    run(async () => {
      const renamed = await client.rename(docId, version.id, name)
      setVersions((list) => list?.map((v) => (v.id === renamed.id ? renamed : v)) ?? null)
      setMode({ kind: 'browse' })
      setNotice({ tone: 'ok', text: `Named “${versionLabel(renamed)}”.` })
    }, 'Could not name this version.')

  const restore = (version: Version) =>
    run(async () => {
      await client.restore(docId, version.id, author ? { user: author } : {})
      setMode({ kind: 'browse' })
      await load()
      setNotice({ tone: 'ok', text: `Restored “${versionLabel(version)}”. The text it replaced is kept as the newest version.` })
    }, 'Could not restore this version.')

  const onListKeyDown = (event: KeyboardEvent<HTMLOListElement>) => {
    const items = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('[data-version-id]') ?? [])]
    const at = items.indexOf(document.activeElement as HTMLButtonElement)
    const target =
      event.key === 'ArrowDown'
        ? items[Math.min(at + 1, items.length - 1)]
        : event.key === 'ArrowUp'
          ? items[Math.max(at - 1, 0)]
          : event.key === 'Home'
            ? items[0]
            : event.key === 'End'
              ? items.at(-1)
              : undefined
    if (!target) return
    event.preventDefault()
    target.focus()
  }

  // One list item is in the tab order (the selected one, else the first); arrows move within.
  const tabStop = selectedId ?? versions?.[0]?.id ?? null

  const panel = (
    <dialog
      ref={attachDialog}
      className="tandem-history"
      data-testid="history-panel"
      // On a narrow screen one pane shows at a time; a new version's form lives in the list.
      data-view={selectedId && mode.kind !== 'save-new' ? 'preview' : 'list'}
      aria-labelledby={headingId}
      onCancel={(event) => {
        event.preventDefault()
        if (mode.kind !== 'browse') setMode({ kind: 'browse' })
        else onClose()
      }}
      // The browser may close it by itself (a second Escape cannot be refused): follow it.
      onClose={onClose}
    >
      <header className="tandem-history__header">
        <h2 id={headingId} className="tandem-history__title">
          Version history
        </h2>
        {canEdit && (
          <button
            type="button"
            className="tandem-button tandem-button--small"
            data-testid="history-save-now"
            disabled={busy || mode.kind === 'save-new'}
            onClick={() => {
              setNotice(null)
              setMode({ kind: 'save-new' })
            }}
          >
            <PlusIcon />
            <span>Save a version now</span>
          </button>
        )}
        <button
          type="button"
          className="tandem-button tandem-button--ghost tandem-history__close"
          data-testid="history-close"
          aria-label="Close version history"
          title="Close (Esc)"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </header>

      <div className="tandem-history__status" role="status" aria-live="polite" data-testid="history-status">
        {notice && <p className={`tandem-history__notice tandem-history__notice--${notice.tone}`}>{notice.text}</p>}
      </div>

      <div className="tandem-history__body">
        <section className="tandem-history__list-pane" aria-label="Versions">
          {mode.kind === 'save-new' && (
            <NameForm
              label="Name the version"
              submitLabel="Save version"
              busy={busy}
              onSubmit={(name) => void saveNew(name)}
              onCancel={() => setMode({ kind: 'browse' })}
              hint="Saves the document as it is now."
            />
          )}
          {listError !== null ? (
            <div className="tandem-history__empty">
              <p>{listError}</p>
              <button type="button" className="tandem-button tandem-button--small" onClick={() => void load()}>
                Try again
              </button>
            </div>
          ) : versions === null ? (
            <p className="tandem-history__empty" aria-busy="true">
              Loading versions…
            </p>
          ) : versions.length === 0 ? (
            <p className="tandem-history__empty">
              No versions yet.{' '}
              {canEdit
                ? 'Versions are saved as the document changes, or now with “Save a version now”.'
                : 'They appear as the document changes.'}
            </p>
          ) : (
            <ol
              ref={listRef}
              className="tandem-history__list"
              data-testid="history-list"
              aria-label="Versions, newest first"
              onKeyDown={onListKeyDown}
            >
              {versions.map((version) => (
                <li key={version.id}>
                  <button
                    type="button"
                    className="tandem-history__item"
                    data-testid="history-item"
                    data-version-id={version.id}
                    data-automatic={version.automatic ? 'true' : 'false'}
                    aria-current={version.id === selectedId ? 'true' : undefined}
                    tabIndex={version.id === tabStop ? 0 : -1}
                    onClick={() => select(version.id)}
                  >
                    <span className="tandem-history__item-name" data-unnamed={version.name === null ? 'true' : undefined}>
                      {versionLabel(version)}
                    </span>
                    <span className="tandem-history__item-meta">
                      {version.author ? `${version.author.name} · ` : ''}
                      <time dateTime={version.createdAt} title={new Date(version.createdAt).toLocaleString()}>
                        {formatRelativeTime(version.createdAt, now)}
                      </time>
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          )}
        </section>

        <section className="tandem-history__preview-pane" aria-label="Preview" data-testid="history-preview-pane">
          {selected === null ? (
            <p className="tandem-history__empty tandem-history__pick">
              Select a version to see it here. Nothing changes until you restore it.
            </p>
          ) : (
            <>
              <div className="tandem-history__preview-head">
                <button
                  type="button"
                  className="tandem-button tandem-button--ghost tandem-button--small tandem-history__back"
                  onClick={backToList}
                >
                  <ArrowLeftIcon />
                  <span>All versions</span>
                </button>
                <div className="tandem-history__preview-title">
                  <h3 className="tandem-history__version-name" data-testid="history-selected-name">
                    {versionLabel(selected)}
                  </h3>
                  <p className="tandem-history__version-meta">
                    {formatMomentTime(Date.parse(selected.createdAt), now)}
                    {selected.author ? ` · ${selected.author.name}` : ''}
                    {selected.automatic ? ' · saved automatically' : ''}
                  </p>
                </div>
                {canEdit && mode.kind === 'browse' && (
                  <div className="tandem-history__actions">
                    <button
                      type="button"
                      className="tandem-button tandem-button--small"
                      data-testid="history-rename"
                      disabled={busy}
                      onClick={() => {
                        setNotice(null)
                        setMode({ kind: 'rename' })
                      }}
                    >
                      {selected.name === null ? 'Name this version' : 'Rename'}
                    </button>
                    <button
                      type="button"
                      className="tandem-button tandem-button--primary tandem-button--small"
                      data-testid="history-restore"
                      disabled={busy || preview?.status !== 'ready'}
                      onClick={() => {
                        setNotice(null)
                        setMode({ kind: 'confirm-restore' })
                      }}
                    >
                      Restore
                    </button>
                  </div>
                )}
              </div>
              {canEdit && mode.kind === 'rename' && (
                <NameForm
                  label={selected.name === null ? 'Name this version' : 'Rename this version'}
                  submitLabel="Save name"
                  initialName={selected.name ?? ''}
                  busy={busy}
                  onSubmit={(name) => void rename(selected, name)}
                  onCancel={() => setMode({ kind: 'browse' })}
                />
              )}
              {canEdit && mode.kind === 'confirm-restore' && (
                <ConfirmRestore
                  label={versionLabel(selected)}
                  busy={busy}
                  onConfirm={() => void restore(selected)}
                  onCancel={() => setMode({ kind: 'browse' })}
                />
              )}
              <VersionPreviewArea preview={preview?.versionId === selected.id ? preview : null} label={versionLabel(selected)} />
            </>
          )}
        </section>
      </div>
    </dialog>
  )

  return portalTarget ? createPortal(panel, portalTarget) : null
}

function NameForm({
  label,
  submitLabel,
  initialName = '',
  hint,
  busy,
  onSubmit,
  onCancel,
}: {
  label: string
  submitLabel: string
  initialName?: string
  hint?: string
  busy: boolean
  onSubmit: (name: string) => void
  onCancel: () => void
}) {
  const [value, setValue] = useState(initialName)
  const inputId = useId()
  const hintId = useId()
  const name = value.trim()
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (name) onSubmit(name)
  }
  return (
    <form className="tandem-history__form" onSubmit={submit} data-testid="history-name-form">
      <label htmlFor={inputId} className="tandem-history__form-label">
        {label}
      </label>
      {hint && (
        <p id={hintId} className="tandem-history__form-hint">
          {hint}
        </p>
      )}
      <input
        id={inputId}
        className="tandem-input"
        data-testid="history-name-input"
        aria-describedby={hint ? hintId : undefined}
        placeholder="e.g. Sent for review"
        maxLength={MAX_VERSION_NAME_LENGTH}
        value={value}
        // biome-ignore lint/a11y/noAutofocus: the field appears because the person asked to name a version
        autoFocus
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            // Cancel the form, not the whole panel.
            event.preventDefault()
            event.stopPropagation()
            onCancel()
          }
        }}
      />
      <div className="tandem-history__form-actions">
        <button type="button" className="tandem-button tandem-button--ghost tandem-button--small" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          className="tandem-button tandem-button--primary tandem-button--small"
          data-testid="history-name-save"
          disabled={busy || !name}
        >
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  )
}

function ConfirmRestore({
  label,
  busy,
  onConfirm,
  onCancel,
}: {
  label: string
  busy: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  const confirmRef = useRef<HTMLButtonElement>(null)
  const textId = useId()
  useEffect(() => confirmRef.current?.focus(), [])
  return (
    <fieldset className="tandem-history__confirm" aria-describedby={textId} data-testid="history-confirm">
      <p id={textId} className="tandem-history__confirm-text">
        Restore “{label}”? The document’s current text is saved as a version first, and everyone editing sees the change at once.
      </p>
      <div className="tandem-history__form-actions">
        <button type="button" className="tandem-button tandem-button--ghost tandem-button--small" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button
          ref={confirmRef}
          type="button"
          className="tandem-button tandem-button--primary tandem-button--small"
          data-testid="history-restore-confirm"
          disabled={busy}
          onClick={onConfirm}
        >
          {busy ? 'Restoring…' : 'Restore this version'}
        </button>
      </div>
    </fieldset>
  )
}

function VersionPreviewArea({ preview, label }: { preview: Preview | null; label: string }) {
  if (preview === null || preview.status === 'loading') {
    return (
      <div className="tandem-history__preview tandem-editor__surface tandem-editor__surface--loading" aria-busy="true">
        <span className="tandem-visually-hidden">Loading the preview…</span>
      </div>
    )
  }
  if (preview.status === 'error') {
    return (
      <p className="tandem-history__empty" role="alert">
        {preview.message}
      </p>
    )
  }
  return <VersionPreview key={preview.versionId} content={preview.content} label={label} />
}

/** The version's content in a read-only editor of its own (same schema and look as the live one). */
function VersionPreview({ content, label }: { content: JSONContent; label: string }) {
  const [invalid, setInvalid] = useState(false)
  const editor = useEditor(
    {
      immediatelyRender: false,
      editable: false,
      extensions: documentExtensions({ trailingNode: false }),
      content,
      enableContentCheck: true,
      onContentError: () => setInvalid(true),
      editorProps: {
        attributes: { 'aria-label': `Preview of ${label} (read-only)`, 'aria-readonly': 'true', role: 'document' },
        // Links in a preview are shown, not followed.
        handleDOMEvents: {
          click: (_view, event) => {
            if ((event.target as HTMLElement | null)?.closest('a')) event.preventDefault()
            return false
          },
        },
      },
    },
    [content],
  )
  if (invalid) return <p className="tandem-history__empty">This version’s content could not be read.</p>
  return (
    <div className="tandem-editor tandem-history__preview" data-testid="history-preview" data-synced="true">
      <EditorContent editor={editor} className="tandem-editor__surface" />
    </div>
  )
}
