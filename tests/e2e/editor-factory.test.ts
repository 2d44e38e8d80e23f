// @vitest-environment jsdom
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollaborativeEditor, type CollaborativeEditorHandle } from '../../lib/editor/create-editor'
import type { ReadonlySignal } from '../../lib/editor/signal'
import { CONTENT_FIELD } from '../../lib/protocol/document-fields'
import { startAppServer, type AppServer } from '../helpers/app-server'

/**
 * The framework-free factory: two Tiptap editors (jsdom DOM, real WebSockets) on one document
 * through the real server.
 */
let server: AppServer
const handles: CollaborativeEditorHandle[] = []

beforeAll(async () => {
  server = await startAppServer()
})

afterAll(async () => {
  for (const handle of handles) handle.destroy()
  await server?.stop()
})

function waitFor<T>(signal: ReadonlySignal<T>, predicate: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  if (predicate(signal.value)) return Promise.resolve(signal.value)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out at ${JSON.stringify(signal.value)}`)), timeoutMs)
    const unsubscribe = signal.subscribe((value) => {
      if (!predicate(value)) return
      clearTimeout(timer)
      unsubscribe()
      resolve(value)
    })
  })
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function open(name: string, docId: string): CollaborativeEditorHandle {
  const element = document.createElement('div')
  document.body.append(element)
  const handle = createCollaborativeEditor({
    element,
    docId,
    serverUrl: server.url.replace('http:', 'ws:') + '/collab',
    user: { name, color: '#0b7285' },
  })
  handles.push(handle)
  return handle
}

describe('createCollaborativeEditor', () => {
  it('syncs two editors, carries presence, and undoes only local changes', async () => {
    const docId = `factory-${Date.now().toString(36)}`
    const a = open('Ada', docId)
    const b = open('Bob', docId)
    await waitFor(a.connection.synced, (s) => s)
    await waitFor(b.connection.synced, (s) => s)
    expect(a.editor.getHTML()).toBe('<p></p>')

    a.editor.commands.insertContent('Hello from Ada')
    await until(() => b.editor.getText().includes('Hello from Ada'))
    await waitFor(a.connection.saveState, (s) => s === 'saved')

    // Wait past the undo manager's 500 ms capture window so Bob's edit is a separate step.
    await new Promise((resolve) => setTimeout(resolve, 600))
    b.editor.commands.setTextSelection(b.editor.state.doc.content.size - 1)
    b.editor.commands.insertContent(' and Bob')
    await until(() => a.editor.getText().includes('Hello from Ada and Bob'))

    // Ada's undo removes her own text only; Bob's survives everywhere.
    expect(a.editor.commands.undo()).toBe(true)
    await until(() => !b.editor.getText().includes('Hello from Ada'))
    expect(b.editor.getText()).toContain('and Bob')
    expect(a.editor.getText().trim()).toBe('and Bob')

    // Presence: both see both, with the names the carets use.
    await waitFor(a.connection.peers, (p) => p.map((x) => x.name).join() === 'Ada,Bob')
    expect(a.editor.storage.collaborationCaret.users.map((u) => String(u.name)).sort()).toEqual(['Ada', 'Bob'])

    // The content lives in the shared fragment, never in the editor's initial content.
    expect(a.connection.doc.getXmlFragment(CONTENT_FIELD).toString()).toContain('and Bob')

    b.destroy()
    await waitFor(a.connection.peers, (p) => p.length === 1, 1_000)
    expect(b.editor.isDestroyed).toBe(true)
  })
})
