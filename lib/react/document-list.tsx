'use client'

import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import {
  createDocsClient,
  type DocMeta,
  DocsApiError,
  type DocsClient,
  type FoundDoc,
  type ListedDoc,
  randomDocIdPart,
  type SearchSnippet,
} from '../client/docs-client'
import { formatRelativeTime } from '../client/relative-time'
import { MAX_TITLE_LENGTH } from '../protocol/document-fields'

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; docs: ListedDoc[] }

/** What the server answered for the current search words (null: nothing asked or answered yet). */
type ContentSearch =
  | { state: 'idle' }
  | { state: 'searching'; query: string }
  | { state: 'done'; query: string; docs: FoundDoc[] }
  | { state: 'failed'; query: string }

/** Typing pauses this long before the server is asked to search the text. */
const SEARCH_DEBOUNCE_MS = 250

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

/** The words of a search, lowercased as the server compares them. */
function searchWords(query: string): string[] {
  return [
    ...new Set(
      query
        .toLowerCase()
        .split(/\s+/u)
        .filter((word) => word !== ''),
    ),
  ]
}

/** Whether the title holds every word: the list filters by title at once, without the server. */
function titleMatches(doc: DocMeta, words: readonly string[]): boolean {
  const title = doc.title.toLowerCase()
  return words.every((word) => title.includes(word))
}

/**
 * The rows a search shows: what the server found in titles and text, and the title matches of
 * the list already loaded (at once, and in case the server's text of a document is a moment
 * behind), most recently edited first.
 */
function searchRows(docs: readonly ListedDoc[], words: readonly string[], found: readonly FoundDoc[] | null): FoundDoc[] {
  const rows = new Map<string, FoundDoc>()
  for (const doc of found ?? []) rows.set(doc.id, doc)
  for (const doc of docs) {
    if (!rows.has(doc.id) && titleMatches(doc, words)) rows.set(doc.id, { ...doc, snippet: null })
  }
  return [...rows.values()].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt))
}

/** A snippet with its matches in <mark>: built from text nodes, so nothing in it is markup. */
function SnippetText({ snippet }: { snippet: SearchSnippet }) {
  const { text } = snippet
  const parts: Array<string | { mark: string; at: number }> = []
  let at = 0
  const highlights = (Array.isArray(snippet.highlights) ? snippet.highlights : [])
    .filter((h) => Number.isInteger(h.start) && Number.isInteger(h.length) && h.length > 0)
    .sort((a, b) => a.start - b.start)
  for (const { start, length } of highlights) {
    if (start < at || start + length > text.length) continue
    parts.push(text.slice(at, start), { mark: text.slice(start, start + length), at: start })
    at = start + length
  }
  parts.push(text.slice(at))
  return <>{parts.map((part) => (typeof part === 'string' ? part : <mark key={part.at}>{part.mark}</mark>))}</>
}

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
  const [query, setQuery] = useState('')
  const [contentSearch, setContentSearch] = useState<ContentSearch>({ state: 'idle' })
  const searchInput = useRef<HTMLInputElement>(null)
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

  // The text is searched by the server once typing pauses; a newer query aborts an older one.
  const words = useMemo(() => searchWords(query), [query])
  const wordsKey = words.join(' ')
  useEffect(() => {
    if (wordsKey === '') {
      setContentSearch({ state: 'idle' })
      return
    }
    const controller = new AbortController()
    setContentSearch((current) =>
      current.state === 'done' && current.query === wordsKey ? current : { state: 'searching', query: wordsKey },
    )
    const timer = setTimeout(() => {
      client.search(wordsKey, { signal: controller.signal }).then(
        (docs) => setContentSearch({ state: 'done', query: wordsKey, docs }),
        () => {
          if (!controller.signal.aborted) setContentSearch({ state: 'failed', query: wordsKey })
        },
      )
    }, SEARCH_DEBOUNCE_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [client, wordsKey])

  const clearSearch = () => {
    setQuery('')
    searchInput.current?.focus()
  }

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
        current.state === 'ready'
          ? { state: 'ready', docs: current.docs.map((d) => (d.id === doc.id ? { ...d, ...updated } : d)) }
          : current,
      )
      setContentSearch((current) =>
        current.state === 'done' ? { ...current, docs: current.docs.map((d) => (d.id === doc.id ? { ...d, ...updated } : d)) } : current,
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
      setContentSearch((current) =>
        current.state === 'done' ? { ...current, docs: current.docs.filter((d) => d.id !== doc.id) } : current,
      )
      setNotice(`Deleted “${displayTitle(doc)}”.`)
      onDeleted?.(doc.id)
    } catch (error) {
      setNotice(error instanceof Error ? `Could not delete: ${error.message}` : 'Could not delete')
    }
  }

  const searching = words.length > 0
  const found = contentSearch.state === 'done' && contentSearch.query === wordsKey ? contentSearch.docs : null
  const rows: ReadonlyArray<ListedDoc | FoundDoc> =
    load.state !== 'ready' ? [] : searching ? searchRows(load.docs, words, found) : load.docs
  const textPending = searching && found === null && contentSearch.state !== 'failed'
  const searchStatus = !searching
    ? ''
    : textPending
      ? 'Searching titles and text…'
      : contentSearch.state === 'failed'
        ? `${rows.length === 1 ? '1 title matches' : `${rows.length} titles match`}; the text could not be searched (server unreachable).`
        : rows.length === 0
          ? 'No documents match'
          : `${rows.length === 1 ? '1 document matches' : `${rows.length} documents match`}`

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
        {load.state === 'ready' && load.docs.length > 0 && (
          <span className="tandem-doclist__count">
            {load.docs.length}
            <span className="tandem-visually-hidden"> documents</span>
          </span>
        )}
      </div>

      {load.state === 'ready' && load.docs.length > 0 && (
        <search className="tandem-doclist__search">
          <label htmlFor="doc-search" className="tandem-visually-hidden">
            Search documents
          </label>
          <svg className="tandem-doclist__search-icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" strokeWidth="2" />
            <path d="m13 13 4.5 4.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
          <input
            ref={searchInput}
            id="doc-search"
            type="search"
            className="tandem-input tandem-doclist__search-input"
            placeholder="Search documents"
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape' && query !== '') {
                event.preventDefault()
                setQuery('')
              }
            }}
            aria-describedby="doc-search-status"
            data-testid="doc-search"
          />
          {query !== '' && (
            <button
              type="button"
              className="tandem-doclist__search-clear"
              onClick={clearSearch}
              aria-label="Clear search"
              data-testid="doc-search-clear"
            >
              <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
                <path d="m5 5 10 10M15 5 5 15" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
              </svg>
            </button>
          )}
        </search>
      )}
      <p id="doc-search-status" className="tandem-doclist__search-status" role="status" aria-live="polite" data-testid="doc-search-status">
        {searchStatus}
      </p>

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

      {load.state === 'ready' && searching && rows.length === 0 && !textPending && (
        <div className="tandem-empty" data-testid="no-match">
          <p className="tandem-empty__title">No documents match</p>
          <p className="tandem-empty__text">Nothing has “{query.trim()}” in its title or text.</p>
          <button type="button" className="tandem-button" onClick={clearSearch}>
            Clear search
          </button>
        </div>
      )}

      {load.state === 'ready' && rows.length > 0 && (
        <ul className="tandem-doclist__list" data-testid="doc-list" aria-busy={textPending || undefined}>
          {rows.map((doc) => (
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
  doc: ListedDoc | FoundDoc
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
            {'snippet' in doc && doc.snippet ? (
              <span className="tandem-doclist__preview tandem-doclist__preview--snippet" data-testid="doc-snippet">
                <SnippetText snippet={doc.snippet} />
              </span>
            ) : doc.preview ? (
              <span className="tandem-doclist__preview" data-testid="doc-preview">
                {doc.preview}
              </span>
            ) : null}
            <span className="tandem-doclist__meta" data-testid="doc-edited">
              <time dateTime={doc.updatedAt} title={Number.isNaN(edited.getTime()) ? undefined : edited.toLocaleString()}>
                Edited {formatRelativeTime(doc.updatedAt, now)}
              </time>
              {doc.lastEditor ? ` by ${doc.lastEditor}` : ''}
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
