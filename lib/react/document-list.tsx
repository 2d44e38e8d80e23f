'use client'

import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { createDocsClient, type DocMeta, DocsApiError, type DocsClient, randomDocIdPart } from '../client/docs-client'
import { formatRelativeTime } from '../client/relative-time'
import { MAX_TITLE_LENGTH } from '../protocol/document-fields'

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; docs: DocMeta[] }

export interface DocumentListProps {
  client?: DocsClient
  /** Where a document opens (default `/d/<id>`). */
  hrefFor?: (id: string) => string
  /** After creating a document (default: open it). */
  onCreated?: (doc: DocMeta) => void
  /** Show the "New document" form (default true; false for viewers). */
  canCreate?: boolean
  /** Show Rename and Delete (default true; false for viewers). */
  canManage?: boolean
  /** New documents get ids under this prefix (for a token that grants only `prefix*`). */
  idPrefix?: string
  /** The server refused the list (401/403, with auth on): `reason` as it named it. */
  onAccessDenied?: (reason: string) => void
  /** Text of the empty state. */
  emptyText?: string
  /**
   * When the server cannot be reached: the documents kept on this device (e.g. from
   * `listLocalDocuments`), listed so they can still be opened offline.
   */
  offlineDocuments?: () => Promise<Array<{ docId: string; title: string }>>
  /** After a document was deleted here (e.g. to remove this device's copy of it). */
  onDeleted?: (docId: string) => void
}

const displayTitle = (doc: DocMeta) => doc.title.trim() || 'Untitled'

/** Ticks every 30 s so "5 minutes ago" stays true while the page is open. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000)
    return () => clearInterval(timer)
  }, [])
  return now
}

export function DocumentList({
  client: given,
  hrefFor = (id) => `/d/${encodeURIComponent(id)}`,
  onCreated,
  canCreate = true,
  canManage = true,
  idPrefix,
  onAccessDenied,
  emptyText,
  offlineDocuments,
  onDeleted,
}: DocumentListProps) {
  const client = useMemo(() => given ?? createDocsClient(), [given])
  const [load, setLoad] = useState<Load>({ state: 'loading' })
  const [newTitle, setNewTitle] = useState('')
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const [confirming, setConfirming] = useState<DocMeta | null>(null)
  const now = useNow()
  const [onDevice, setOnDevice] = useState<Array<{ docId: string; title: string }>>([])
  const failed = load.state === 'error'
  useEffect(() => {
    if (!failed || !offlineDocuments) return
    let live = true
    void offlineDocuments()
      .then((docs) => {
        if (live) setOnDevice(docs)
      })
      .catch(() => {})
    return () => {
      live = false
    }
  }, [failed, offlineDocuments])

  const deniedRef = useRef(onAccessDenied)
  deniedRef.current = onAccessDenied
  const refresh = useCallback(async () => {
    try {
      const docs = await client.list()
      setLoad({ state: 'ready', docs })
    } catch (error) {
      if (error instanceof DocsApiError && (error.status === 401 || error.status === 403) && deniedRef.current) {
        deniedRef.current(error.reason ?? 'Unknown')
        return
      }
      // A fetch that never reached the server rejects with a TypeError ("Failed to fetch").
      const message =
        error instanceof DocsApiError
          ? error.message
          : 'This device is offline or the server is down. Documents opened here before still open.'
      setLoad({ state: 'error', message })
    }
  }, [client])

  useEffect(() => {
    void refresh()
    // Others edit too: refresh when the tab comes back into view.
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh()
    }
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [refresh])

  const create = async (event: FormEvent) => {
    event.preventDefault()
    if (creating) return
    setCreating(true)
    setNotice(null)
    try {
      const title = newTitle.trim() || undefined
      const doc = idPrefix ? await client.createWithId(`${idPrefix}${randomDocIdPart()}`, title) : await client.create(title)
      setNewTitle('')
      if (onCreated) onCreated(doc)
      else window.location.assign(hrefFor(doc.id))
    } catch (error) {
      setNotice(error instanceof Error ? `Could not create the document: ${error.message}` : 'Could not create the document')
    } finally {
      setCreating(false)
    }
  }

  const rename = async (doc: DocMeta, title: string) => {
    setNotice(null)
    try {
      const updated = await client.rename(doc.id, title)
      setLoad((current) =>
        current.state === 'ready' ? { state: 'ready', docs: current.docs.map((d) => (d.id === doc.id ? updated : d)) } : current,
      )
    } catch (error) {
      setNotice(error instanceof Error ? `Could not rename: ${error.message}` : 'Could not rename')
    }
  }

  const remove = async (doc: DocMeta) => {
    setConfirming(null)
    setNotice(null)
    try {
      await client.remove(doc.id)
      setLoad((current) => (current.state === 'ready' ? { state: 'ready', docs: current.docs.filter((d) => d.id !== doc.id) } : current))
      setNotice(`Deleted “${displayTitle(doc)}”.`)
      onDeleted?.(doc.id)
    } catch (error) {
      setNotice(error instanceof Error ? `Could not delete: ${error.message}` : 'Could not delete')
    }
  }

  return (
    <section className="tandem-doclist" aria-labelledby="doclist-heading">
      {canCreate && (
        <form className="tandem-doclist__create" onSubmit={create}>
          <label htmlFor="new-doc-title" className="tandem-visually-hidden">
            Title of the new document
          </label>
          <input
            id="new-doc-title"
            className="tandem-input"
            placeholder="Title of a new document"
            maxLength={MAX_TITLE_LENGTH}
            value={newTitle}
            onChange={(event) => setNewTitle(event.target.value)}
            data-testid="new-doc-title"
          />
          <button type="submit" className="tandem-button tandem-button--primary" disabled={creating} data-testid="create-doc">
            {creating ? 'Creating…' : 'New document'}
          </button>
        </form>
      )}

      <div className="tandem-doclist__header">
        <h2 id="doclist-heading" className="tandem-doclist__heading">
          Documents
        </h2>
        {load.state === 'ready' && load.docs.length > 0 && <span className="tandem-doclist__count">{load.docs.length}</span>}
      </div>

      <p className="tandem-doclist__notice" role="status" aria-live="polite">
        {notice}
      </p>

      {load.state === 'loading' && (
        <ul className="tandem-doclist__list" aria-busy="true" aria-label="Loading documents">
          {[0, 1, 2].map((i) => (
            <li key={i} className="tandem-doclist__item tandem-doclist__item--skeleton" />
          ))}
        </ul>
      )}

      {load.state === 'error' && (
        <div className="tandem-empty" role="alert">
          <p className="tandem-empty__title">Could not reach the server</p>
          <p className="tandem-empty__text">{load.message}</p>
          <button type="button" className="tandem-button" onClick={() => void refresh()}>
            Try again
          </button>
        </div>
      )}
      {load.state === 'error' && onDevice.length > 0 && (
        <section className="tandem-doclist__offline" data-testid="offline-documents" aria-label="On this device">
          <h2 className="tandem-doclist__offline-title">On this device, available offline</h2>
          <ul className="tandem-doclist__list">
            {onDevice.map((doc) => (
              <li key={doc.docId} className="tandem-doclist__item">
                <a className="tandem-doclist__link" href={hrefFor(doc.docId)}>
                  <span className="tandem-doclist__title">{doc.title.trim() || 'Untitled'}</span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}

      {load.state === 'ready' && load.docs.length === 0 && (
        <div className="tandem-empty" data-testid="empty-state">
          <p className="tandem-empty__title">No documents yet</p>
          <p className="tandem-empty__text">
            {emptyText ??
              (canCreate
                ? 'Give your first document a title above and press New document. Anyone with its link can write in it with you.'
                : 'Nothing has been shared with you here yet. Open a document link you were sent.')}
          </p>
          {canCreate && (
            <button
              type="button"
              className="tandem-button tandem-button--primary"
              onClick={() => document.getElementById('new-doc-title')?.focus()}
            >
              Create your first document
            </button>
          )}
        </div>
      )}

      {load.state === 'ready' && load.docs.length > 0 && (
        <ul className="tandem-doclist__list" data-testid="doc-list">
          {load.docs.map((doc) => (
            <DocumentRow
              key={doc.id}
              doc={doc}
              href={hrefFor(doc.id)}
              now={now}
              canManage={canManage}
              onRename={rename}
              onDelete={() => setConfirming(doc)}
            />
          ))}
        </ul>
      )}

      {confirming && <ConfirmDelete doc={confirming} onConfirm={() => void remove(confirming)} onCancel={() => setConfirming(null)} />}
    </section>
  )
}

function DocumentRow({
  doc,
  href,
  now,
  canManage,
  onRename,
  onDelete,
}: {
  doc: DocMeta
  href: string
  now: number
  canManage: boolean
  onRename: (doc: DocMeta, title: string) => Promise<void>
  onDelete: () => void
}) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(doc.title)
  const inputRef = useRef<HTMLInputElement>(null)
  const renameButton = useRef<HTMLButtonElement>(null)

  // The Rename button is re-mounted when editing ends: give focus back once it exists.
  const restoreFocus = useRef(false)
  useEffect(() => {
    if (editing) inputRef.current?.select()
    else if (restoreFocus.current) {
      restoreFocus.current = false
      renameButton.current?.focus()
    }
  }, [editing])

  const finish = async (save: boolean) => {
    restoreFocus.current = true
    setEditing(false)
    if (save && draft.trim() !== doc.title.trim()) await onRename(doc, draft.trim())
  }

  const edited = new Date(doc.updatedAt)
  return (
    <li className="tandem-doclist__item" data-testid="doc-row" data-doc-id={doc.id}>
      {editing ? (
        <form
          className="tandem-doclist__rename"
          onSubmit={(event) => {
            event.preventDefault()
            void finish(true)
          }}
        >
          <input
            ref={inputRef}
            className="tandem-input"
            aria-label={`New title for ${displayTitle(doc)}`}
            value={draft}
            maxLength={MAX_TITLE_LENGTH}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                event.preventDefault()
                setDraft(doc.title)
                void finish(false)
              }
            }}
          />
          <button type="submit" className="tandem-button tandem-button--primary">
            Save
          </button>
          <button
            type="button"
            className="tandem-button tandem-button--ghost"
            onClick={() => {
              setDraft(doc.title)
              void finish(false)
            }}
          >
            Cancel
          </button>
        </form>
      ) : (
        <>
          <a className="tandem-doclist__link" href={href}>
            <span className="tandem-doclist__title" data-untitled={doc.title.trim() ? undefined : 'true'}>
              {displayTitle(doc)}
            </span>
            <span className="tandem-doclist__meta">
              <time dateTime={doc.updatedAt} title={Number.isNaN(edited.getTime()) ? undefined : edited.toLocaleString()}>
                Edited {formatRelativeTime(doc.updatedAt, now)}
              </time>
            </span>
          </a>
          {canManage && (
            <div className="tandem-doclist__actions">
              <button
                ref={renameButton}
                type="button"
                className="tandem-button tandem-button--ghost tandem-button--small"
                onClick={() => {
                  setDraft(doc.title)
                  setEditing(true)
                }}
                aria-label={`Rename ${displayTitle(doc)}`}
              >
                Rename
              </button>
              <button
                type="button"
                className="tandem-button tandem-button--ghost tandem-button--small tandem-button--danger"
                onClick={onDelete}
                aria-label={`Delete ${displayTitle(doc)}`}
              >
                Delete
              </button>
            </div>
          )}
        </>
      )}
    </li>
  )
}

function ConfirmDelete({ doc, onConfirm, onCancel }: { doc: DocMeta; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      className="tandem-dialog"
      aria-labelledby="confirm-delete-title"
      onCancel={(event) => {
        event.preventDefault()
        onCancel()
      }}
      data-testid="confirm-delete"
    >
      <div className="tandem-dialog__body">
        <h2 id="confirm-delete-title" className="tandem-dialog__title">
          Delete “{displayTitle(doc)}”?
        </h2>
        <p className="tandem-dialog__hint">
          The document and its history are removed for everyone, and anyone editing it is disconnected. This cannot be undone.
        </p>
        <div className="tandem-dialog__actions">
          <button
            // biome-ignore lint/a11y/noAutofocus: a confirmation dialog puts focus on its safe choice
            autoFocus
            type="button"
            className="tandem-button tandem-button--ghost"
            onClick={onCancel}
          >
            Cancel
          </button>
          <button type="button" className="tandem-button tandem-button--danger-solid" onClick={onConfirm}>
            Delete
          </button>
        </div>
      </div>
    </dialog>
  )
}
