import { Editor } from '@tiptap/core'
import { type ConnectionOptions, createConnection, type TandemConnection } from '../client/connection'
import { filesClientFor } from '../client/files-client'
import { tandemExtensions } from './extensions'

export interface CollaborativeEditorOptions extends ConnectionOptions {
  /** Where the editor mounts. */
  element: HTMLElement
  /** Reuse an existing connection instead of opening one (it is then not destroyed with the editor). */
  connection?: TandemConnection
  editable?: boolean
  autofocus?: boolean
}

export interface CollaborativeEditorHandle {
  editor: Editor
  connection: TandemConnection
  destroy(): void
}

/** Framework-free: a Tiptap editor bound to a Tandem document, with carets and presence. */
export function createCollaborativeEditor(options: CollaborativeEditorOptions): CollaborativeEditorHandle {
  const ownsConnection = options.connection === undefined
  const connection = options.connection ?? createConnection(options)
  const editor = new Editor({
    element: options.element,
    editable: options.editable ?? true,
    autofocus: options.autofocus ?? false,
    extensions: tandemExtensions({
      doc: connection.doc,
      awareness: connection.awareness,
      user: connection.user,
      files: filesClientFor(connection),
    }),
  })
  let destroyed = false
  return {
    editor,
    connection,
    destroy() {
      if (destroyed) return
      destroyed = true
      editor.destroy()
      if (ownsConnection) connection.destroy()
    },
  }
}
