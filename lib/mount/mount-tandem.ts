import type { Editor } from '@tiptap/core'
import type { LocalCopyOptions, TandemConnection } from '../client/connection'
import type { DocAccess } from '../client/doc-access'
import type { TandemUser } from '../client/identity'
import { createCollaborativeEditor } from '../editor/create-editor'
import { el } from './dom'
import { createPresenceList } from './presence'
import { createSaveIndicator, createStatusBadge } from './status'
import { createToolbar } from './toolbar'

/**
 * Overrides of the stylesheet's custom properties for this editor only, without the
 * `--tandem-` prefix: `{ accent: '#e11d48', radius: '4px' }` sets `--tandem-accent` and
 * `--tandem-radius` on the mounted element.
 */
export type TandemTheme = Readonly<Record<string, string>>

export interface MountTandemOptions {
  /** Base of the sync endpoint, e.g. `wss://tandem.example.org/collab`; defaults to this page's host. */
  serverUrl?: string
  docId: string
  /** Shown to the others (presence and caret); colour `#rrggbb`. */
  user: TandemUser
  /** Access token, sent as `?token=` (needed when the server runs with auth). */
  token?: string
  /** Keeps the token current instead of `token` (see `createDocAccess`). */
  access?: DocAccess
  /** The formatting toolbar (default true). */
  toolbar?: boolean
  theme?: TandemTheme
  editable?: boolean
  autofocus?: boolean
  /** Accessible name of the text area (default "Document text"). */
  label?: string
  /** The device copy of the document (IndexedDB; default on where it exists). */
  localCopy?: boolean | LocalCopyOptions
}

export interface MountedTandem {
  editor: Editor
  connection: TandemConnection
  /** Removes the markup, closes the connection and stops every listener. */
  destroy(): void
}

const THEME_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/

function applyTheme(root: HTMLElement, theme: TandemTheme): void {
  for (const [name, value] of Object.entries(theme)) {
    if (!THEME_NAME.test(name))
      throw new TypeError(`mountTandem: theme names are like "accent" or "surface-2", not ${JSON.stringify(name)}`)
    root.style.setProperty(`--tandem-${name}`, value)
  }
}

/**
 * The complete embedded editor for pages without React: connection status, "Saved", the people
 * here, the toolbar and the text, with the markup and classes of the React components so
 * `tandem-editor/style.css` styles both.
 */
export function mountTandem(element: HTMLElement, options: MountTandemOptions): MountedTandem {
  const root = el('div', { class: 'tandem-mount' })
  if (options.theme) applyTheme(root, options.theme)
  const surface = el('div', { class: 'tandem-editor__surface' })
  const editorBox = el('div', { class: 'tandem-editor', 'data-synced': 'false' })
  const bar = el('div', { class: 'tandem-mount__bar' })
  root.append(bar, editorBox)

  const handle = createCollaborativeEditor({
    element: surface,
    docId: options.docId,
    user: options.user,
    serverUrl: options.serverUrl,
    token: options.token,
    access: options.access,
    localCopy: options.localCopy,
    editable: options.editable,
    autofocus: options.autofocus,
  })
  const { editor, connection } = handle
  editor.setOptions({
    editorProps: {
      attributes: { 'aria-label': options.label ?? 'Document text', 'aria-multiline': 'true', role: 'textbox', spellcheck: 'true' },
    },
  })

  const status = createStatusBadge(connection)
  const save = createSaveIndicator(connection)
  const presence = createPresenceList(connection)
  const toolbar = options.toolbar === false ? null : createToolbar(editor)
  bar.append(el('div', { class: 'tandem-mount__state' }, [status.element, save.element]), presence.element)
  if (toolbar) editorBox.append(toolbar.element)
  editorBox.append(surface)

  const stopSynced = connection.synced.subscribe((synced) => {
    editorBox.dataset.synced = String(synced)
  })
  editorBox.dataset.synced = String(connection.synced.value)
  element.append(root)

  let destroyed = false
  return {
    editor,
    connection,
    destroy() {
      if (destroyed) return
      destroyed = true
      stopSynced()
      toolbar?.destroy()
      presence.destroy()
      save.destroy()
      status.destroy()
      handle.destroy()
      root.remove()
    },
  }
}
