// @vitest-environment jsdom
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FORMATTING_GROUPS } from '../../lib/editor/formatting'
import { type MountedTandem, mountTandem } from '../../lib/mount'
import { type RunningServer, startServer } from '../helpers/server'
import { waitFor } from '../helpers/wait'

/**
 * mountTandem's markup and lifecycle in jsdom against a real server in this process (its
 * behaviour with a second person and the stylesheet runs in Chromium: tests/e2e/mount.test.ts).
 */
let server: RunningServer
const mounted: MountedTandem[] = []

beforeAll(async () => {
  server = await startServer()
})

afterEach(() => {
  for (const handle of mounted.splice(0)) handle.destroy()
  document.body.replaceChildren()
})

afterAll(async () => {
  await server?.stop()
})

function host(): HTMLElement {
  const element = document.createElement('div')
  document.body.append(element)
  return element
}

const options = (docId: string) => ({ serverUrl: `${server.wsUrl}/collab`, docId, user: { name: 'Ada Lovelace', color: '#2563eb' } })

describe('mountTandem', () => {
  it('renders status, Saved, the people here, the toolbar and the text in the React components’ classes', async () => {
    const element = host()
    const handle = mountTandem(element, {
      ...options('mount-markup'),
      theme: { accent: '#e11d48', 'surface-2': '#fafafa' },
      label: 'Notes',
    })
    mounted.push(handle)

    const root = element.querySelector<HTMLElement>(':scope > .tandem-mount')
    expect(root).not.toBeNull()
    expect(root?.style.getPropertyValue('--tandem-accent')).toBe('#e11d48')
    expect(root?.style.getPropertyValue('--tandem-surface-2')).toBe('#fafafa')
    // Every formatting button, Image included (lib/editor/formatting.ts); the table's controls
    // wait, hidden, for the cursor to be in a table.
    expect(element.querySelectorAll('.tandem-toolbar > .tandem-toolbar__group:not([hidden]) button.tandem-toolbar__button')).toHaveLength(
      FORMATTING_GROUPS.flat().filter((action) => action.id !== 'link').length, // no Link: this toolbar has no link prompt
    )
    expect(element.querySelector('.tandem-toolbar button[aria-label="Image"]')).not.toBeNull()
    expect(element.querySelector<HTMLElement>('.tandem-toolbar__table')?.hidden).toBe(true)
    expect(element.querySelector('.tandem-editor > .tandem-editor__surface > .ProseMirror')?.getAttribute('aria-label')).toBe('Notes')

    const status = () => element.querySelector<HTMLElement>('[data-testid="connection-status"]')
    await waitFor(() => status()?.dataset.status === 'connected', 'the status badge says connected')
    expect(status()?.textContent).toBe('Live')
    await waitFor(() => element.querySelector<HTMLElement>('.tandem-editor')?.dataset.synced === 'true', 'the editor is synced')
    expect(element.querySelector('[data-testid="save-state"]')?.textContent).toBe('Saved')
    const me = element.querySelector('[data-testid="presence-user"][data-local="true"]')
    expect(me?.querySelector('.tandem-avatar')?.textContent).toBe('AL')
    expect(me?.querySelector('.tandem-presence__name')?.textContent).toBe('Ada Lovelace')

    // The toolbar follows the editor: Bold is pressed inside bold text.
    const bold = element.querySelector('button[aria-label="Bold"]')
    expect(bold?.getAttribute('aria-pressed')).toBe('false')
    handle.editor.chain().insertContent('<p><strong>strong</strong></p>').setTextSelection(3).run()
    expect(bold?.getAttribute('aria-pressed')).toBe('true')
    expect(bold?.getAttribute('data-active')).toBe('true')
  })

  it('leaves the toolbar out on request and removes everything on destroy (the others see the person leave)', async () => {
    const element = host()
    const handle = mountTandem(element, { ...options('mount-destroy'), toolbar: false })
    expect(element.querySelector('.tandem-toolbar')).toBeNull()
    const other = mountTandem(host(), { ...options('mount-destroy'), user: { name: 'Grace', color: '#0b7285' } })
    mounted.push(other)
    const names = () => [...other.connection.peers.value].map((peer) => peer.name).sort()
    await waitFor(() => names().join() === 'Ada Lovelace,Grace', 'both are present')

    handle.destroy()
    expect(element.childElementCount).toBe(0)
    expect(handle.editor.isDestroyed).toBe(true)
    await waitFor(() => names().join() === 'Grace', 'Ada has left')
    handle.destroy() // twice is harmless
  })

  it('refuses a theme name that is not a custom-property name, before connecting or adding anything', () => {
    const element = host()
    expect(() => mountTandem(element, { ...options('mount-theme'), theme: { 'accent; color: red': '#000' } })).toThrow(TypeError)
    expect(element.childElementCount).toBe(0)
  })
})
