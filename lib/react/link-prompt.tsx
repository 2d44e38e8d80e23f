'use client'

import type { Editor } from '@tiptap/core'
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react'
import { applyLink, type LinkContext, readLinkContext, removeLink } from '../editor/link-editing'
import { useDismissableMenu } from './use-dismissable-menu'

interface OpenPrompt {
  context: LinkContext
  /** Viewport position of the selection the prompt belongs to. */
  anchor: { left: number; top: number; bottom: number }
}

const PROMPT_WIDTH = 360
const MARGIN = 8

/**
 * The link prompt: opened by Mod-k, the toolbar's or the bubble menu's Link button (it registers
 * itself with the editor's LinkRequest extension, lib/editor/link-editing.ts). A small form next
 * to the selection: the address (prefilled with the current link), the text to show when nothing
 * is selected, Apply / Remove link / Cancel. Enter applies; Escape, Cancel or a click elsewhere
 * close it, and the keyboard returns to the editor. Addresses that could run code are refused
 * with the reason, in the prompt.
 */
export function LinkPrompt({ editor }: { editor: Editor }) {
  const [prompt, setPrompt] = useState<OpenPrompt | null>(null)

  useEffect(() => {
    editor.storage.linkRequest.open = () => setPrompt({ context: readLinkContext(editor), anchor: selectionAnchor(editor) })
    // Toolbars read whether a prompt exists from editor state: let them look again.
    if (!editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta('addToHistory', false))
    return () => {
      if (!editor.isDestroyed && editor.storage.linkRequest) editor.storage.linkRequest.open = null
    }
  }, [editor])

  if (!prompt) return null
  return <LinkForm editor={editor} prompt={prompt} onClose={() => setPrompt(null)} />
}

function LinkForm({ editor, prompt, onClose }: { editor: Editor; prompt: OpenPrompt; onClose: () => void }) {
  const { context, anchor } = prompt
  const askText = !context.hasSelection && !context.inLink
  const [url, setUrl] = useState(context.href)
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const rootRef = useRef<HTMLFormElement>(null)
  const urlRef = useRef<HTMLInputElement>(null)
  const editorRef = useMemo(() => ({ current: editor.view.dom as HTMLElement }), [editor])
  const ids = { title: useId(), url: useId(), text: useId(), error: useId() }

  useDismissableMenu({
    open: true,
    close: onClose,
    root: rootRef,
    // Escape gives the keyboard back to the editor, where the selection still is.
    button: editorRef,
    onOpen: () => urlRef.current?.select(),
  })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const result = applyLink(editor, url, text)
    if (!result.ok) {
      setError(result.reason)
      urlRef.current?.focus()
      return
    }
    onClose()
  }

  const position = promptPosition(anchor)
  return (
    <form
      ref={rootRef}
      className="tandem-link-prompt"
      role="dialog"
      aria-labelledby={ids.title}
      data-testid="link-prompt"
      style={position}
      onSubmit={submit}
      noValidate
    >
      <h2 id={ids.title} className="tandem-link-prompt__title">
        {context.inLink ? 'Edit link' : 'Add link'}
      </h2>
      <label className="tandem-link-prompt__label" htmlFor={ids.url}>
        Link address
      </label>
      <input
        ref={urlRef}
        id={ids.url}
        className="tandem-input"
        type="text"
        inputMode="url"
        autoComplete="url"
        spellCheck={false}
        placeholder="https://example.com"
        value={url}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? ids.error : undefined}
        data-testid="link-url"
        onChange={(event) => {
          setUrl(event.target.value)
          setError(null)
        }}
      />
      {askText && (
        <>
          <label className="tandem-link-prompt__label" htmlFor={ids.text}>
            Text to show <span className="tandem-link-prompt__optional">(optional)</span>
          </label>
          <input
            id={ids.text}
            className="tandem-input"
            type="text"
            value={text}
            data-testid="link-text"
            onChange={(event) => setText(event.target.value)}
          />
        </>
      )}
      <p id={ids.error} className="tandem-link-prompt__error" role="alert" data-testid="link-error">
        {error}
      </p>
      <div className="tandem-link-prompt__actions">
        {context.inLink && (
          <button
            type="button"
            className="tandem-button tandem-button--small tandem-button--danger tandem-link-prompt__remove"
            data-testid="link-remove"
            onClick={() => {
              removeLink(editor)
              onClose()
            }}
          >
            Remove link
          </button>
        )}
        <button
          type="button"
          className="tandem-button tandem-button--small tandem-button--ghost"
          onClick={() => {
            onClose()
            editor.commands.focus()
          }}
        >
          Cancel
        </button>
        <button type="submit" className="tandem-button tandem-button--small tandem-button--primary" data-testid="link-apply">
          Apply
        </button>
      </div>
    </form>
  )
}

function selectionAnchor(editor: Editor): OpenPrompt['anchor'] {
  const { from, to } = editor.state.selection
  const start = editor.view.coordsAtPos(from)
  const end = editor.view.coordsAtPos(to)
  return { left: start.left, top: Math.min(start.top, end.top), bottom: Math.max(start.bottom, end.bottom) }
}

/** Below the selection when there is room, above it otherwise; always inside the viewport. */
function promptPosition(anchor: OpenPrompt['anchor']): { left: number; top?: number; bottom?: number } {
  const viewportWidth = window.innerWidth
  const width = Math.min(PROMPT_WIDTH, viewportWidth - 2 * MARGIN)
  const left = Math.max(MARGIN, Math.min(anchor.left, viewportWidth - width - MARGIN))
  const roomBelow = window.innerHeight - anchor.bottom
  if (roomBelow >= 240 || roomBelow >= anchor.top) return { left, top: Math.max(MARGIN, anchor.bottom + MARGIN) }
  return { left, bottom: Math.max(MARGIN, window.innerHeight - anchor.top + MARGIN) }
}
