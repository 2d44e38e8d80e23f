'use client'

import type { Editor } from '@tiptap/core'
import { EditorContent, useEditor } from '@tiptap/react'
import { useEffect } from 'react'
import type { TandemConnection } from '../client/connection'
import { filesClientFor } from '../client/files-client'
import { tandemExtensions } from '../editor/extensions'
import { EditorToolbar } from './editor-toolbar'
import { useSynced } from './hooks'
import { useTandemConnection } from './tandem-doc-provider'

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
}: CollaborativeEditorProps & { connection: TandemConnection; synced: boolean }) {
  const editor = useEditor(
    {
      // Required with Next: the editor is created in the browser only.
      immediatelyRender: false,
      editable,
      autofocus,
      extensions: tandemExtensions({
        doc: connection.doc,
        awareness: connection.awareness,
        user: connection.user,
        files: filesClientFor(connection),
      }),
      editorProps: {
        attributes: { 'aria-label': label, 'aria-multiline': 'true', role: 'textbox', spellcheck: 'true' },
      },
    },
    [connection],
  )

  useEffect(() => {
    if (editor && editor.isEditable !== editable) editor.setEditable(editable)
  }, [editor, editable])

  useEffect(() => {
    onEditor?.(editor)
    return () => onEditor?.(null)
  }, [editor, onEditor])

  return (
    <div className={className} data-synced={synced ? 'true' : 'false'}>
      {toolbar && <EditorToolbar editor={editor} />}
      <EditorContent editor={editor} className="tandem-editor__surface" />
    </div>
  )
}
