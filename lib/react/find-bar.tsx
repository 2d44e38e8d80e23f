'use client'

import type { Editor } from '@tiptap/core'
import { useEditorState } from '@tiptap/react'
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react'
import { moveFindMatch, readFind, replaceAllMatches, replaceCurrentMatch, selectCurrentMatch, setFindQuery } from '../editor/find'
import { ArrowLeftIcon, ChevronDownIcon, CloseIcon } from './icons'
import { ChevronUpIcon, SearchIcon } from './menu-icons'

export interface FindBarProps {
  editor: Editor
  /** Replace and Replace all (editors only; viewers search). */
  canReplace: boolean
  /** Text to search for when the bar opens (the selection). */
  initialQuery: string
  /** Bumped each time Mod-f is pressed again while open: focus and select the search field. */
  focusRequest: number
  onClose(): void
}

/**
 * Find (and replace) in the document, over lib/editor/find.ts's plugin: matches are highlighted
 * in the text, the current one differently and scrolled into view; Enter / Shift+Enter go to
 * the next / previous one; Escape closes, removes the highlights and gives the keyboard back to
 * the editor, with the current match selected.
 */
export function FindBar({ editor, canReplace, initialQuery, focusRequest, onClose }: FindBarProps) {
  const [query, setQuery] = useState(initialQuery)
  const [caseSensitive, setCaseSensitive] = useState(false)
  const [replacement, setReplacement] = useState('')
  const [announce, setAnnounce] = useState('')
  const findRef = useRef<HTMLInputElement>(null)
  const ids = { find: useId(), replace: useId(), count: useId() }
  const { total, current } = useEditorState({
    editor,
    selector: ({ editor: e }) => {
      const state = readFind(e.state)
      return { total: state.matches.length, current: state.current }
    },
  })

  useEffect(() => {
    setFindQuery(editor.view, query, caseSensitive)
  }, [editor, query, caseSensitive])

  // Stop highlighting when the bar goes away.
  useEffect(
    () => () => {
      if (!editor.isDestroyed) setFindQuery(editor.view, '', false)
    },
    [editor],
  )

  // biome-ignore lint/correctness/useExhaustiveDependencies: focusRequest is the trigger, not an input
  useEffect(() => {
    findRef.current?.focus()
    findRef.current?.select()
  }, [focusRequest])

  // Keep the current match in sight.
  useEffect(() => {
    if (current < 0) return
    const element = editor.view.dom.querySelector('[data-find-current]')
    if (!element) return
    const rect = element.getBoundingClientRect()
    if (rect.top < 80 || rect.bottom > window.innerHeight - 40) element.scrollIntoView({ block: 'center' })
  }, [editor, current])

  const close = () => {
    selectCurrentMatch(editor.view)
    onClose()
    editor.commands.focus()
  }

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      close()
    }
  }

  const onFindKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return
    event.preventDefault()
    moveFindMatch(editor.view, event.shiftKey ? -1 : 1)
  }

  const onReplaceKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return
    event.preventDefault()
    replaceCurrentMatch(editor.view, replacement)
  }

  const countText = query === '' ? '' : total === 0 ? 'No results' : `${current + 1} of ${total}`

  return (
    <search className="tandem-find" aria-label="Find in document" data-testid="find-bar" onKeyDown={onKeyDown}>
      <div className="tandem-find__row">
        <span className="tandem-find__icon" aria-hidden="true">
          <SearchIcon />
        </span>
        <label htmlFor={ids.find} className="tandem-visually-hidden">
          Find
        </label>
        <input
          ref={findRef}
          id={ids.find}
          className="tandem-input tandem-find__input"
          type="search"
          placeholder="Find"
          autoComplete="off"
          spellCheck={false}
          value={query}
          aria-describedby={ids.count}
          data-testid="find-input"
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={onFindKeyDown}
        />
        <span id={ids.count} className="tandem-find__count" data-testid="find-count" aria-live="polite">
          {countText}
        </span>
        <button
          type="button"
          className="tandem-find__button"
          aria-label="Previous match"
          title="Previous match (Shift+Enter)"
          disabled={total === 0}
          onClick={() => moveFindMatch(editor.view, -1)}
        >
          <ChevronUpIcon />
        </button>
        <button
          type="button"
          className="tandem-find__button"
          aria-label="Next match"
          title="Next match (Enter)"
          disabled={total === 0}
          data-testid="find-next"
          onClick={() => moveFindMatch(editor.view, 1)}
        >
          <ChevronDownIcon />
        </button>
        <button
          type="button"
          className="tandem-find__button tandem-find__case"
          aria-pressed={caseSensitive}
          aria-label="Match case"
          title="Match case"
          data-testid="find-case"
          onClick={() => setCaseSensitive((value) => !value)}
        >
          <span aria-hidden="true">Aa</span>
        </button>
        <button type="button" className="tandem-find__button" aria-label="Close find" title="Close (Escape)" onClick={close}>
          <CloseIcon />
        </button>
      </div>
      {canReplace && (
        <div className="tandem-find__row tandem-find__row--replace">
          <span className="tandem-find__icon" aria-hidden="true">
            <ArrowLeftIcon />
          </span>
          <label htmlFor={ids.replace} className="tandem-visually-hidden">
            Replace with
          </label>
          <input
            id={ids.replace}
            className="tandem-input tandem-find__input"
            type="text"
            placeholder="Replace with"
            autoComplete="off"
            spellCheck={false}
            value={replacement}
            data-testid="replace-input"
            onChange={(event) => setReplacement(event.target.value)}
            onKeyDown={onReplaceKeyDown}
          />
          <button
            type="button"
            className="tandem-button tandem-button--small"
            disabled={total === 0}
            data-testid="replace-one"
            onClick={() => replaceCurrentMatch(editor.view, replacement)}
          >
            Replace
          </button>
          <button
            type="button"
            className="tandem-button tandem-button--small"
            disabled={total === 0}
            data-testid="replace-all"
            onClick={() => {
              const count = replaceAllMatches(editor.view, replacement)
              setAnnounce(`Replaced ${count} ${count === 1 ? 'match' : 'matches'}`)
            }}
          >
            Replace all
          </button>
        </div>
      )}
      <span className="tandem-visually-hidden" role="status">
        {announce}
      </span>
    </search>
  )
}
