import { type Editor, Extension } from '@tiptap/core'
import { NodeSelection, Plugin, PluginKey, Selection, TextSelection } from '@tiptap/pm/state'
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view'
import type { FilesClient } from '../client/files-client'
import { ImageView } from './image-view'

/**
 * Images into the document (server rule F8): a pasted or dropped image file, a picked one
 * (`pickImage`) and the pictures of pasted HTML are uploaded to the server first, and only the
 * server's address goes into the document, never the bytes nor a data: URL. While they upload a
 * placeholder marks the spot (mapped through everyone's edits meanwhile); images that fail are
 * left out, and a message at the spot says why until dismissed; the rest of the edit stays.
 *
 * Tiptap's FileHandler extension was not used: for a paste holding HTML it hands the HTML back
 * to the default paste, where the schema (no base64) silently drops every data: picture, and
 * that HTML is exactly what needs its pictures uploaded.
 */
export interface TandemImagesOptions {
  /** The document's files; null leaves images view-only (shown, never added). */
  files: FilesClient | null
}

interface Pending {
  readonly id: object
  readonly pos: number
  readonly text: string
  readonly error: boolean
}

type Meta = { add: Pending } | { remove: object }

const uploadsKey = new PluginKey<DecorationSet>('tandemImageUploads')

/** The files client of an editor with TandemImages, or null. */
export function editorFiles(editor: Editor): FilesClient | null {
  const extension = editor.extensionManager.extensions.find((e) => e.name === TandemImages.name)
  return (extension?.options as TandemImagesOptions | undefined)?.files ?? null
}

/**
 * Uploads `files` and inserts the images at `pos` (the caret when absent), in order, once all
 * have answered. Resolves with how many were inserted.
 */
export async function insertImageFiles(editor: Editor, files: readonly File[], pos?: number): Promise<number> {
  const client = editorFiles(editor)
  if (!client || !editor.isEditable || files.length === 0) return 0
  const names = files.map((file) => file.name).filter(Boolean)
  const label = files.length === 1 ? `Uploading ${names[0] ? `“${names[0]}”` : 'image'}…` : `Uploading ${files.length} images…`
  const results = await withPlaceholder(editor, pos ?? editor.state.selection.from, label, () =>
    Promise.allSettled(files.map((file) => client.upload(file))),
  )
  if (!results) return 0
  const { at, value } = results
  const uploaded = value.flatMap((result) => (result.status === 'fulfilled' ? [result.value.url] : []))
  const failures = value.flatMap((result) => (result.status === 'rejected' ? [messageOf(result.reason)] : []))
  if (uploaded.length > 0) {
    editor
      .chain()
      .insertContentAt(
        at,
        uploaded.map((src) => ({ type: 'image', attrs: { src } })),
      )
      .run()
    caretAfterInsertedImage(editor)
  }
  if (failures.length > 0) showError(editor.view, at, failures)
  return uploaded.length
}

/**
 * Tiptap leaves the last inserted image selected; typing or pasting next would replace it. The
 * caret goes to the text after it instead (the trailing paragraph, at the end of the document).
 */
function caretAfterInsertedImage(editor: Editor): void {
  const { state, view } = editor
  if (!(state.selection instanceof NodeSelection) || state.selection.node.type.name !== 'image') return
  const after = Selection.near(state.doc.resolve(state.selection.to), 1)
  if (after instanceof TextSelection) view.dispatch(state.tr.setSelection(after))
}

/**
 * Opens the file picker (images, several at once) and inserts what is picked at the caret. For
 * the toolbar's Image button and a `/` menu entry.
 */
export function pickImage(editor: Editor, doc: Document = document): void {
  if (!editorFiles(editor) || !editor.isEditable) return
  const input = doc.createElement('input')
  input.type = 'file'
  input.accept = 'image/png,image/jpeg,image/gif,image/webp,image/avif'
  input.multiple = true
  input.className = 'tandem-image-picker'
  input.hidden = true
  const pos = editor.state.selection.from
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])]
    input.remove()
    void insertImageFiles(editor, files, Math.min(pos, editor.state.doc.content.size))
  })
  input.addEventListener('cancel', () => input.remove())
  doc.body.append(input)
  input.click()
}

/**
 * Pasted HTML whose pictures are not this document's own files: each data: picture is uploaded,
 * each http(s) one fetched by the server, and the HTML then pasted with their new addresses;
 * pictures that fail are dropped with a message.
 */
async function pasteHtmlWithImages(editor: Editor, html: string, foreign: readonly HTMLImageElement[], parsed: Document): Promise<void> {
  const client = editorFiles(editor)
  if (!client) return
  const label = foreign.length === 1 ? 'Uploading the pasted image…' : `Uploading ${foreign.length} pasted images…`
  const results = await withPlaceholder(editor, editor.state.selection.from, label, () =>
    Promise.allSettled(foreign.map((img) => reupload(client, img.getAttribute('src') ?? ''))),
  )
  if (!results) return
  const failures: string[] = []
  for (const [i, result] of results.value.entries()) {
    const img = foreign[i] as HTMLImageElement
    if (result.status === 'fulfilled') {
      img.setAttribute('src', result.value)
      img.removeAttribute('srcset')
    } else {
      img.remove()
      failures.push(messageOf(result.reason))
    }
  }
  const { view } = editor
  view.dispatch(view.state.tr.setSelection(TextSelection.near(view.state.doc.resolve(Math.min(results.at, view.state.doc.content.size)))))
  pasting.add(view)
  try {
    view.pasteHTML(parsed.body.innerHTML || html)
  } finally {
    pasting.delete(view)
  }
  if (failures.length > 0) showError(view, view.state.selection.from, failures)
}

async function reupload(client: FilesClient, src: string): Promise<string> {
  if (src.startsWith('data:')) {
    const blob = await (await fetch(src)).blob()
    return (await client.upload(blob)).url
  }
  if (/^https?:\/\//i.test(src)) return (await client.uploadFromUrl(src)).url
  throw new Error(`Couldn't add an image of the pasted text: ${src.slice(0, 60)} is not a web address.`)
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : 'Couldn’t add the image.'
}

/** Views whose paste is ours (the HTML after its pictures were uploaded): not handled again. */
const pasting = new WeakSet<EditorView>()

/**
 * Runs `work` while a placeholder shows at `pos`; resolves with its result and where the
 * placeholder ended up (null when the editor went away meanwhile).
 */
async function withPlaceholder<T>(
  editor: Editor,
  pos: number,
  text: string,
  work: () => Promise<T>,
): Promise<{ at: number; value: T } | null> {
  const id = {}
  dispatchMeta(editor.view, { add: { id, pos, text, error: false } })
  try {
    const value = await work()
    if (editor.isDestroyed) return null
    const at = findPending(editor.view, id) ?? Math.min(pos, editor.state.doc.content.size)
    return { at, value }
  } finally {
    if (!editor.isDestroyed) dispatchMeta(editor.view, { remove: id })
  }
}

function showError(view: EditorView, pos: number, messages: readonly string[]): void {
  dispatchMeta(view, { add: { id: {}, pos: Math.min(pos, view.state.doc.content.size), text: messages.join(' '), error: true } })
}

function dispatchMeta(view: EditorView, meta: Meta): void {
  view.dispatch(view.state.tr.setMeta(uploadsKey, meta).setMeta('addToHistory', false))
}

function findPending(view: EditorView, id: object): number | null {
  const found = uploadsKey.getState(view.state)?.find(undefined, undefined, (spec) => spec.id === id)[0]
  return found ? found.from : null
}

function widget(view: EditorView, pending: Pending): HTMLElement {
  const box = document.createElement('div')
  box.className = pending.error ? 'tandem-image-upload tandem-image-upload--error' : 'tandem-image-upload'
  box.setAttribute('role', pending.error ? 'alert' : 'status')
  box.contentEditable = 'false'
  const text = document.createElement('span')
  text.textContent = pending.text
  box.append(text)
  if (pending.error) {
    const dismiss = document.createElement('button')
    dismiss.type = 'button'
    dismiss.className = 'tandem-image-upload__dismiss'
    dismiss.textContent = 'Dismiss'
    dismiss.addEventListener('mousedown', (event) => event.preventDefault())
    dismiss.addEventListener('click', () => dispatchMeta(view, { remove: pending.id }))
    box.append(dismiss)
  }
  return box
}

function uploadsPlugin(editor: Editor): Plugin<DecorationSet> {
  return new Plugin<DecorationSet>({
    key: uploadsKey,
    state: {
      init: () => DecorationSet.empty,
      apply(tr, set) {
        let next = set.map(tr.mapping, tr.doc)
        const meta = tr.getMeta(uploadsKey) as Meta | undefined
        if (meta && 'add' in meta) {
          const pending = meta.add
          next = next.add(tr.doc, [
            Decoration.widget(pending.pos, (view) => widget(view, pending), { id: pending.id, side: -1, ignoreSelection: true }),
          ])
        } else if (meta && 'remove' in meta) {
          next = next.remove(next.find(undefined, undefined, (spec) => spec.id === meta.remove))
        }
        return next
      },
    },
    props: {
      decorations: (state) => uploadsKey.getState(state),
      handlePaste(view, event) {
        if (pasting.has(view) || !editor.isEditable || !editorFiles(editor)) return false
        // A paste replaces the selection, also when what it brings arrives later.
        const clearSelection = () => {
          if (!view.state.selection.empty) view.dispatch(view.state.tr.deleteSelection())
        }
        const files = [...(event.clipboardData?.files ?? [])]
        const html = event.clipboardData?.getData('text/html') ?? ''
        const parsed = html ? new DOMParser().parseFromString(html, 'text/html') : null
        // Office apps put a picture of the copied text beside its HTML: with text in the HTML,
        // the HTML is what was copied. An image copied alone (HTML of just an <img>) is the file.
        if (files.length > 0 && !parsed?.body.textContent?.trim()) {
          event.preventDefault()
          clearSelection()
          void insertImageFiles(editor, files)
          return true
        }
        if (!parsed || !/<img/i.test(html)) return false
        const client = editorFiles(editor)
        const foreign = [...parsed.querySelectorAll('img')].filter((img) => !client?.isOwnFile(img.getAttribute('src') ?? ''))
        if (foreign.length === 0) return false
        event.preventDefault()
        clearSelection()
        void pasteHtmlWithImages(editor, html, foreign, parsed)
        return true
      },
      handleDrop(view, event, _slice, moved) {
        if (moved || !editor.isEditable || !editorFiles(editor)) return false
        const files = [...(event.dataTransfer?.files ?? [])]
        if (files.length === 0) return false
        event.preventDefault()
        const pos = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos ?? view.state.selection.from
        void insertImageFiles(editor, files, pos)
        return true
      },
    },
  })
}

/** Shows image nodes through ImageView (token-bearing addresses, alt text). */
function imageViewPlugin(editor: Editor, files: FilesClient | null): Plugin {
  const displayUrl = (src: string) => (files ? files.displayUrl(src) : src)
  return new Plugin({
    props: {
      nodeViews: {
        image: (node, _view, getPos) => new ImageView(node, getPos, { editor, displayUrl }),
      },
    },
  })
}

export const TandemImages = Extension.create<TandemImagesOptions>({
  name: 'tandemImages',
  addOptions: () => ({ files: null }),
  addProseMirrorPlugins() {
    return [uploadsPlugin(this.editor), imageViewPlugin(this.editor, this.options.files)]
  },
})
