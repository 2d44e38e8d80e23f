import type { Extensions } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import type { FilesClient } from '../client/files-client'
import type { TandemUser } from '../client/identity'
import { documentExtensions, documentSchema } from '../document/schema'
import { CONTENT_FIELD } from '../protocol/document-fields'
import { renderCaret, renderSelection } from './caret'
import { TandemImages } from './image-upload'
import { MarkdownPaste } from './markdown-paste'
import { UndoNeutralTrailingNode } from './trailing-node'
import { TandemUndoManager } from './undo'

export interface TandemExtensionOptions {
  doc: Y.Doc
  awareness: Awareness
  user: TandemUser
  /**
   * The document's files (lib/client/files-client.ts): with it, images can be pasted, dropped
   * and picked (uploaded first) and load with the reader's token; without, images only show.
   */
  files?: FilesClient | null
}

/**
 * The extension set of every Tandem editor: the document's own extensions (shared with the
 * server's exports, see lib/document/schema.ts) plus collaboration. Collaboration brings its own
 * undo (Mod-z / Mod-Shift-z / Mod-y), which is why the document extensions leave StarterKit's
 * history off; it runs on a TandemUndoManager (see ./undo.ts): only this writer's own changes,
 * never a collaborator's text, steps of about a word or a pause. StarterKit's trailing paragraph
 * is replaced by one that never counts as an undo step of its own (see ./trailing-node.ts), or
 * it would empty the redo history. Markdown pasted as plain text becomes formatting (see
 * ./markdown-paste.ts). Content always comes from the
 * Y.Doc: never pass `content` to a collaborative editor, or every client that opens the
 * document inserts it again.
 */
export function tandemExtensions({ doc, awareness, user, files = null }: TandemExtensionOptions): Extensions {
  return [
    ...documentExtensions({ trailingNode: false }),
    UndoNeutralTrailingNode,
    TandemImages.configure({ files }),
    MarkdownPaste,
    Collaboration.configure({
      document: doc,
      field: CONTENT_FIELD,
      yUndoOptions: { undoManager: new TandemUndoManager(doc.getXmlFragment(CONTENT_FIELD), { schema: documentSchema() }) },
    }),
    CollaborationCaret.configure({
      // The caret extension only reads `.awareness` from its provider.
      provider: { awareness },
      // The extension writes this object into awareness when the editor mounts: hand it what
      // the connection already publishes (colour chosen against the others', person id, since)
      // so mounting an editor does not undo it.
      user: publishedUser(awareness) ?? { name: user.name, color: user.color },
      render: renderCaret,
      selectionRender: renderSelection,
    }),
  ]
}

function publishedUser(awareness: Awareness): Record<string, unknown> | null {
  const user: unknown = awareness.getLocalState()?.user
  return typeof user === 'object' && user !== null ? { ...(user as Record<string, unknown>) } : null
}
