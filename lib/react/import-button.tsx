'use client'

import { type DragEvent, type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react'
import {
  checkImportFile,
  explainContentError,
  IMPORT_ACCEPT,
  IMPORT_CONTENT_TYPES,
  type ImportKind,
  titleFromFileName,
  UNTITLED,
} from '../client/content-files'
import { createDocsClient, type DocsClient, randomDocIdPart } from '../client/docs-client'
import { useDocTitle } from './hooks'
import { FileIcon, UploadIcon } from './icons'

type TokenSource = string | null | (() => string | null | undefined)
type Destination = 'append' | 'replace' | 'new'

const KIND_NAMES: Record<ImportKind, string> = { markdown: 'Markdown', html: 'HTML', docx: 'Word document' }

export interface ImportButtonProps {
  docId: string
  /** Bearer token for this document's content (a function is asked each time). */
  token?: TokenSource
  /** Origin of the Tandem server; empty for same-origin. */
  baseUrl?: string
  /**
   * Creating a document from a file: the token allowed to create one (with auth on, the
   * person's access token, not this document's session token) and the id prefix it grants.
   * Absent: "As a new document" is shown but unavailable.
   */
  create?: { token?: string | null; idPrefix?: string }
  /** Opens a document made by an import; default: navigates to `/d/<id>`. */
  onOpenDocument?: (docId: string) => void
}

function tokenOf(source: TokenSource | undefined): string | null | undefined {
  return typeof source === 'function' ? source() : source
}

/**
 * Import… (`[data-testid="import"]`, for editors) opens a dialog: pick (or drop) a Markdown,
 * HTML or Word .docx file, then add it at the end of this document, replace this document's
 * content (asked once more), or make a new document of it. The server converts the file (the
 * REST API's own converters) and every open editor sees the change live.
 */
export function ImportButton({ docId, token, baseUrl, create, onOpenDocument }: ImportButtonProps) {
  const [open, setOpen] = useState(false)
  const buttonRef = useRef<HTMLButtonElement>(null)
  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className="tandem-button tandem-file-button"
        data-testid="import"
        aria-haspopup="dialog"
        title="Import a Markdown, HTML or Word file"
        onClick={() => setOpen(true)}
      >
        <UploadIcon />
        <span className="tandem-file-button__label">Import…</span>
      </button>
      {open && (
        <ImportDialog
          docId={docId}
          token={token}
          baseUrl={baseUrl}
          create={create}
          onOpenDocument={onOpenDocument}
          onClose={() => {
            setOpen(false)
            buttonRef.current?.focus()
          }}
        />
      )}
    </>
  )
}

function ImportDialog({ docId, token, baseUrl, create, onOpenDocument, onClose }: ImportButtonProps & { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  const inputRef = useRef<HTMLInputElement>(null)
  const tokenRef = useRef(token)
  tokenRef.current = token
  const docClient = useMemo<DocsClient>(() => createDocsClient({ baseUrl, token: () => tokenOf(tokenRef.current) }), [baseUrl])
  const title = useDocTitle().trim() || UNTITLED
  const [file, setFile] = useState<File | null>(null)
  const [destination, setDestination] = useState<Destination>('append')
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [dragging, setDragging] = useState(false)
  const headingId = useId()
  const hintId = useId()
  const errorId = useId()

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  const check = file ? checkImportFile(file) : null
  const kind = check?.ok ? check.kind : null
  const canCreate = create !== undefined

  const choose = (chosen: File | null | undefined) => {
    if (!chosen) return
    setFile(chosen)
    setConfirming(false)
    const verdict = checkImportFile(chosen)
    setError(verdict.ok ? null : verdict.message)
  }

  const onDrop = (event: DragEvent<HTMLElement>) => {
    event.preventDefault()
    setDragging(false)
    if (!busy) choose(event.dataTransfer.files[0])
  }

  const run = async () => {
    if (!file || !kind) return
    setBusy(true)
    setError(null)
    const contentType = IMPORT_CONTENT_TYPES[kind]
    let body: Blob | string
    try {
      body = kind === 'docx' ? file : await file.text()
    } catch {
      // The file went away or became unreadable after it was picked.
      setError(`“${file.name}” could not be read from this device. Choose it again.`)
      setBusy(false)
      return
    }
    try {
      if (destination === 'new') {
        const client = createDocsClient({ baseUrl, token: create?.token ?? null })
        const newTitle = titleFromFileName(file.name)
        const doc = create?.idPrefix
          ? await client.createWithId(`${create.idPrefix}${randomDocIdPart()}`, newTitle)
          : await client.create(newTitle)
        try {
          await client.writeContent(doc.id, 'replace', body, contentType)
        } catch (problem) {
          // A file the server cannot read leaves no empty document behind.
          await client.remove(doc.id).catch(() => {})
          throw problem
        }
        if (onOpenDocument) onOpenDocument(doc.id)
        else window.location.assign(`${baseUrl ?? ''}/d/${encodeURIComponent(doc.id)}`)
        onClose()
        return
      }
      await docClient.writeContent(docId, destination, body, contentType)
      onClose()
    } catch (problem) {
      setError(explainContentError(problem, file.name))
      setConfirming(false)
      setBusy(false)
    }
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (busy || !kind) return
    if (destination === 'replace' && !confirming) {
      setConfirming(true)
      return
    }
    void run()
  }

  const options: { value: Destination; label: string; hint: string; disabled?: boolean }[] = [
    { value: 'append', label: 'Add to the end of this document', hint: 'Everything already here stays.' },
    { value: 'replace', label: 'Replace this document’s content', hint: 'For everyone who has it open. The title stays.' },
    {
      value: 'new',
      label: 'As a new document',
      hint: canCreate
        ? `Titled “${file ? titleFromFileName(file.name) : 'after the file'}”, opened once it is ready.`
        : 'Your access link can’t create documents.',
      disabled: !canCreate,
    },
  ]

  return (
    <dialog
      ref={ref}
      className="tandem-dialog tandem-import"
      aria-labelledby={headingId}
      aria-describedby={hintId}
      data-testid="import-dialog"
      onCancel={(event) => {
        event.preventDefault()
        if (!busy) onClose()
      }}
    >
      <form onSubmit={submit} className="tandem-dialog__body">
        <h2 id={headingId} className="tandem-dialog__title">
          Import a file
        </h2>
        <p id={hintId} className="tandem-dialog__hint">
          Markdown (.md), HTML (.html) or Word (.docx). Headings, lists, links, quotes and code come across; images and layout don’t.
        </p>
        <label
          className="tandem-import__drop"
          data-dragging={dragging ? 'true' : undefined}
          onDragOver={(event) => {
            event.preventDefault()
            setDragging(true)
          }}
          onDragLeave={(event) => {
            // Moving onto the icon or the text inside is not leaving.
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false)
          }}
          onDrop={onDrop}
        >
          <input
            ref={inputRef}
            type="file"
            className="tandem-visually-hidden"
            accept={IMPORT_ACCEPT}
            data-testid="import-file"
            disabled={busy}
            aria-describedby={error ? errorId : undefined}
            onChange={(event) => choose(event.target.files?.[0])}
          />
          <span className="tandem-import__drop-icon" aria-hidden="true">
            <FileIcon />
          </span>
          {file ? (
            <span className="tandem-import__file">
              <span className="tandem-import__file-name" data-testid="import-file-name">
                {file.name}
              </span>
              <span className="tandem-import__file-kind">
                {kind ? KIND_NAMES[kind] : 'Not a file that can be imported'} · choose another
              </span>
            </span>
          ) : (
            <span className="tandem-import__file">
              <span className="tandem-import__file-name">Choose a file</span>
              <span className="tandem-import__file-kind">or drop it here</span>
            </span>
          )}
        </label>
        <fieldset className="tandem-import__where" disabled={busy}>
          <legend className="tandem-import__legend">Where it goes</legend>
          {options.map((option) => (
            <label key={option.value} className="tandem-import__option" data-disabled={option.disabled ? 'true' : undefined}>
              <input
                type="radio"
                name="destination"
                value={option.value}
                data-testid={`import-${option.value}`}
                checked={destination === option.value}
                disabled={option.disabled}
                onChange={() => {
                  setDestination(option.value)
                  setConfirming(false)
                }}
              />
              <span className="tandem-import__option-text">
                <span className="tandem-import__option-label">{option.label}</span>
                <span className="tandem-import__option-hint">{option.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {confirming && (
          <p className="tandem-import__confirm" role="alert" data-testid="import-confirm">
            Replace everything in “{title}” with “{file?.name}”? Everyone who has it open sees the new content at once. Download a copy
            first if you may need the current text.
          </p>
        )}
        {error && (
          <p className="tandem-import__error" role="alert" id={errorId} data-testid="import-error">
            {error}
          </p>
        )}
        <div className="tandem-dialog__actions">
          <button type="button" className="tandem-button tandem-button--ghost" disabled={busy} onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={`tandem-button ${confirming ? 'tandem-button--danger-solid' : 'tandem-button--primary'}`}
            data-testid="import-submit"
            disabled={busy || !kind}
          >
            {busy ? 'Importing…' : confirming ? 'Replace content' : destination === 'new' ? 'Create document' : 'Import'}
          </button>
        </div>
      </form>
    </dialog>
  )
}
