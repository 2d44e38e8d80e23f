'use client'

import type { Editor } from '@tiptap/core'
import { ReactRenderer } from '@tiptap/react'
import type { SuggestionProps } from '@tiptap/suggestion'
import { type ReactNode, useEffect, useRef } from 'react'
import type { SlashCommand } from '../editor/slash-commands'
import type { SlashMenuOptions } from '../editor/slash-menu'
import { BulletListIcon, CodeBlockIcon, OrderedListIcon, QuoteIcon } from './icons'
import { ChecklistIcon, DividerIcon, TableIcon, TextIcon } from './menu-icons'

const ICONS: Record<string, ReactNode> = {
  text: <TextIcon />,
  h1: <span className="tandem-slash__glyph">H1</span>,
  h2: <span className="tandem-slash__glyph">H2</span>,
  h3: <span className="tandem-slash__glyph">H3</span>,
  bulletList: <BulletListIcon />,
  orderedList: <OrderedListIcon />,
  taskList: <ChecklistIcon />,
  blockquote: <QuoteIcon />,
  codeBlock: <CodeBlockIcon />,
  table: <TableIcon />,
  divider: <DividerIcon />,
}

const MARGIN = 8
let menuCount = 0

interface SlashListProps {
  items: SlashCommand[]
  selected: number
  listId: string
  onChoose(command: SlashCommand): void
  onHover(index: number): void
}

/** The list itself: a listbox whose active option the editor points at (aria-activedescendant). */
function SlashList({ items, selected, listId, onChoose, onHover }: SlashListProps) {
  const listRef = useRef<HTMLDivElement>(null)
  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' })
  })
  return (
    <div ref={listRef} id={listId} role="listbox" aria-label="Insert block" className="tandem-slash" data-testid="slash-menu">
      {items.map((item, index) => (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard stays in the editor, which drives this list (arrows, Enter) through aria-activedescendant
        <div
          key={item.id}
          id={`${listId}-${item.id}`}
          role="option"
          tabIndex={-1}
          aria-selected={index === selected}
          className="tandem-slash__item"
          data-command={item.id}
          // Keep the editor focused (and its selection) while clicking.
          onMouseDown={(event) => event.preventDefault()}
          onMouseMove={() => {
            if (index !== selected) onHover(index)
          }}
          onClick={() => onChoose(item)}
        >
          <span className="tandem-slash__icon" aria-hidden="true">
            {ICONS[item.icon] ?? <span className="tandem-slash__glyph">{item.title.charAt(0)}</span>}
          </span>
          <span className="tandem-slash__text">
            <span className="tandem-slash__title">{item.title}</span>
            <span className="tandem-slash__description">{item.description}</span>
          </span>
        </div>
      ))}
    </div>
  )
}

/**
 * The `/` menu's renderer for lib/editor/slash-menu.ts: a React list placed under the typed `/`
 * (Tiptap's `mount`, kept inside the viewport). The keyboard never leaves the editor: arrow keys
 * move the active option, Enter or Tab runs it, Escape closes (the plugin's own handling); the
 * editor carries aria-controls and aria-activedescendant so screen readers follow along.
 */
export function slashMenuRenderer(): SlashMenuOptions['render'] {
  return () => {
    let renderer: ReactRenderer<unknown, SlashListProps> | null = null
    let unmount: (() => void) | null = null
    let current: SuggestionProps<SlashCommand, SlashCommand> | null = null
    let selected = 0
    const listId = `tandem-slash-${++menuCount}`

    const editorDom = (editor: Editor) => editor.view.dom as HTMLElement
    const describe = () => {
      if (!current) return
      const dom = editorDom(current.editor)
      const item = current.items[selected]
      if (item && renderer) {
        dom.setAttribute('aria-controls', listId)
        dom.setAttribute('aria-activedescendant', `${listId}-${item.id}`)
      } else {
        dom.removeAttribute('aria-activedescendant')
      }
    }
    const render = () => {
      if (!current) return
      const props: SlashListProps = {
        items: current.items,
        selected,
        listId,
        onChoose: (command) => current?.command(command),
        onHover: (index) => {
          selected = index
          render()
        },
      }
      if (current.items.length === 0) {
        // Nothing matches: no menu, and Enter types a new line as usual.
        close()
        return
      }
      if (!renderer) {
        renderer = new ReactRenderer(SlashList, { editor: current.editor, props })
        const element = renderer.element
        element.classList.add('tandem-slash-popup')
        unmount = current.mount(element, {
          onPosition: ({ x, y, strategy }) => {
            const width = element.offsetWidth
            const left = Math.max(MARGIN, Math.min(x, window.innerWidth - width - MARGIN))
            Object.assign(element.style, { position: strategy, left: `${left}px`, top: `${y}px`, visibility: '' })
          },
        })
      } else {
        renderer.updateProps(props)
      }
      describe()
    }
    const close = () => {
      unmount?.()
      unmount = null
      renderer?.destroy()
      renderer = null
      if (current) {
        const dom = editorDom(current.editor)
        dom.removeAttribute('aria-controls')
        dom.removeAttribute('aria-activedescendant')
      }
    }

    return {
      onStart: (props) => {
        current = props
        selected = 0
        render()
      },
      onUpdate: (props) => {
        // A new query starts at its best match; any other update (a collaborator's edit) keeps the place.
        selected = props.query === current?.query ? Math.max(0, Math.min(selected, props.items.length - 1)) : 0
        current = props
        render()
      },
      onKeyDown: ({ event }) => {
        if (!current || current.items.length === 0 || !renderer) return false
        const count = current.items.length
        if (event.key === 'ArrowDown') selected = (selected + 1) % count
        else if (event.key === 'ArrowUp') selected = (selected - 1 + count) % count
        else if (event.key === 'Home') selected = 0
        else if (event.key === 'End') selected = count - 1
        else if (event.key === 'Enter' || event.key === 'Tab') {
          const item = current.items[selected]
          if (item) current.command(item)
          return true
        } else return false
        render()
        return true
      },
      onExit: () => {
        close()
        current = null
      },
    }
  }
}
