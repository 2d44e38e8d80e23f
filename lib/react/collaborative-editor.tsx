'use client'

import type { Editor } from '@tiptap/core'
import { Placeholder } from '@tiptap/extensions'
import { EditorContent, useEditor } from '@tiptap/react'
import { useEffect, useRef, useState } from 'react'
import type { TandemConnection } from '../client/connection'
import { filesClientFor } from '../client/files-client'
import { tandemExtensions } from '../editor/extensions'
import { Find } from '../editor/find'
import { LinkRequest } from '../editor/link-editing'
import { SlashMenu } from '../editor/slash-menu'
import { EditorToolbar } from './editor-toolbar'
import { FindBar } from './find-bar'
import { useSynced } from './hooks'
import { LinkPrompt } from './link-prompt'
import { SelectionBubbleMenu } from './selection-bubble-menu'
import { slashMenuRenderer } from './slash-menu'
import { useTandemConnection } from './tandem-doc-provider'
import { WordCount } from './word-count'

export const DEFAULT_PLACEHOLDER = 'Write something, or press / for commands'

export interface CollaborativeEditorProps {
  /** Show the formatting toolbar above the text (default true). */
  toolbar?: boolean
  editable?: boolean
  autofocus?: boolean
  className?: string
  /** Accessible name of the text area. */
  label?: string
  /** Receives the Tiptap editor once it exists (and null when it goes away). */
  onEditor?: (editor: Editor | null) => void
  /**
   * The editing helpers (default true): the bubble menu on selected text, the `/` command menu,
   * the link prompt (Mod-k) and the empty document's placeholder. Viewers see none of them.
   */
  menus?: boolean
  /** Shown in the empty document (while editable). */
  placeholder?: string
  /**
   * Mod-f opens the find bar (replace too, while editable) instead of the browser's: when the
   * keyboard is in this editor ('editor', the default), anywhere on the page ('page'), or never.
   */
  find?: 'editor' | 'page' | false
  /** Show the word and character count under the text (default false). */
  wordCount?: boolean
}

/** The rich-text editor of the nearest TandemDocProvider's document. */
export function CollaborativeEditor(props: CollaborativeEditorProps) {
  const connection = useTandemConnection()
  const synced = useSynced()
  const className = ['tandem-editor', props.className].filter(Boolean).join(' ')
  if (!connection) {
    return (
      <div className={className} data-synced="false">
        {props.toolbar !== false && <EditorToolbar editor={null} />}
        <div className="tandem-editor__surface tandem-editor__surface--loading" aria-busy="true" />
      </div>
    )
  }
  return <BoundEditor {...props} className={className} connection={connection} synced={synced} />
}

function BoundEditor({
  connection,
  synced,
  toolbar = true,
  editable = true,
  autofocus = false,
  className,
  label = 'Document text',
  onEditor,
  menus = true,
  placeholder = DEFAULT_PLACEHOLDER,
  find = 'editor',
  wordCount = false,
}: CollaborativeEditorProps & { connection: TandemConnection; synced: boolean }) {
  const editor = useEditor(
    {
      // Required with Next: the editor is created in the browser only.
      immediatelyRender: false,
      editable,
      autofocus,
      extensions: [
        ...tandemExtensions({
          doc: connection.doc,
          awareness: connection.awareness,
          user: connection.user,
          files: filesClientFor(connection),
        }),
        LinkRequest,
        Find,
        ...(menus ? [SlashMenu.configure({ render: slashMenuRenderer() }), Placeholder.configure({ placeholder })] : []),
      ],
      editorProps: {
        attributes: { 'aria-label': label, 'aria-multiline': 'true', role: 'textbox', spellcheck: 'true' },
      },
    },
    [connection],
  )
  const rootRef = useRef<HTMLDivElement>(null)
  const findBar = useFindShortcut(find, rootRef, editor)

  useEffect(() => {
    if (editor && editor.isEditable !== editable) editor.setEditable(editable)
  }, [editor, editable])

  useEffect(() => {
    onEditor?.(editor)
    return () => onEditor?.(null)
  }, [editor, onEditor])

  return (
    <div ref={rootRef} className={className} data-synced={synced ? 'true' : 'false'}>
      {toolbar && <EditorToolbar editor={editor} />}
      {editor && findBar.open && (
        <FindBar
          editor={editor}
          canReplace={editable}
          initialQuery={findBar.initialQuery}
          focusRequest={findBar.focusRequest}
          onClose={findBar.close}
        />
      )}
      <EditorContent editor={editor} className="tandem-editor__surface" />
      {editor && menus && editable && <SelectionBubbleMenu editor={editor} />}
      {editor && menus && editable && <LinkPrompt editor={editor} />}
      {editor && wordCount && <WordCount editor={editor} />}
    </div>
  )
}

/** Longest selection taken as the search text when find opens (a word or a phrase, not a page). */
const MAX_SELECTED_QUERY = 200

/**
 * Mod-f (Ctrl+F, ⌘F) opens this editor's find bar instead of the browser's: pressed inside the
 * editor (its text, toolbar or find bar) or, with `scope` 'page', anywhere outside another
 * Tandem editor. Selected text (within one paragraph) becomes the search.
 */
function useFindShortcut(scope: CollaborativeEditorProps['find'], rootRef: { current: HTMLElement | null }, editor: Editor | null) {
  const [state, setState] = useState({ open: false, initialQuery: '', focusRequest: 0 })
  useEffect(() => {
    if (!scope || !editor) return
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 'f' || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return
      const target = event.target instanceof Node ? event.target : null
      const root = rootRef.current
      const inside = root !== null && target !== null && root.contains(target)
      const inOtherEditor = target instanceof Element && target.closest('.tandem-editor') !== null
      if (!inside && (scope !== 'page' || inOtherEditor)) return
      event.preventDefault()
      const { from, to, $from } = editor.state.selection
      const selected = from !== to && $from.sameParent(editor.state.selection.$to) ? editor.state.doc.textBetween(from, to) : ''
      setState((previous) => ({
        open: true,
        initialQuery: previous.open ? previous.initialQuery : selected.length <= MAX_SELECTED_QUERY ? selected : '',
        focusRequest: previous.focusRequest + 1,
      }))
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [scope, editor, rootRef])
  return { ...state, close: () => setState((previous) => ({ ...previous, open: false })) }
}
