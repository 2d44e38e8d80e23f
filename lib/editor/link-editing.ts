import { type Editor, Extension, getMarkRange } from '@tiptap/core'
import { normalizeLinkUrl } from './link-url'

/**
 * Links without a browser prompt: Mod-k (and the toolbar's and bubble menu's Link buttons) ask
 * whichever link prompt the page shows (lib/react/link-prompt.tsx registers itself here), and
 * the prompt applies or removes the link through {@link applyLink} and {@link removeLink}.
 * With no prompt registered (the DOM-only editor) Mod-k does nothing and the browser keeps it.
 */
export interface LinkRequestStorage {
  open: (() => void) | null
}

declare module '@tiptap/core' {
  interface Storage {
    linkRequest: LinkRequestStorage
  }
}

export const LinkRequest = Extension.create<Record<string, never>, LinkRequestStorage>({
  name: 'linkRequest',
  addStorage: () => ({ open: null }),
  addKeyboardShortcuts() {
    return {
      'Mod-k': () => requestLinkPrompt(this.editor),
    }
  },
})

/** Whether a link prompt can be opened: one is registered and the editor is editable. */
export function canRequestLinkPrompt(editor: Editor): boolean {
  return editor.isEditable && typeof editor.storage.linkRequest?.open === 'function'
}

/** Opens the registered link prompt; false when there is none (or the editor is read-only). */
export function requestLinkPrompt(editor: Editor): boolean {
  if (!canRequestLinkPrompt(editor)) return false
  editor.storage.linkRequest.open?.()
  return true
}

/** What the prompt starts from: the link under the selection (if any) and whether text is selected. */
export interface LinkContext {
  href: string
  /** A link is under the caret or selection. */
  inLink: boolean
  /** Text is selected (the link applies to it); otherwise the prompt also asks for the text. */
  hasSelection: boolean
}

export function readLinkContext(editor: Editor): LinkContext {
  const href = editor.getAttributes('link').href
  const inLink = typeof href === 'string'
  return { href: inLink ? href : '', inLink, hasSelection: !editor.state.selection.empty }
}

export type ApplyLinkResult = { ok: true } | { ok: false; reason: string }

/**
 * Links the selection (or the whole link under the caret) to `url`, normalised and checked by
 * normalizeLinkUrl. With nothing selected and no link under the caret, inserts `text` (or the
 * address itself) as linked text.
 */
export function applyLink(editor: Editor, url: string, text = ''): ApplyLinkResult {
  const result = normalizeLinkUrl(url)
  if (!result.ok) return result
  const { href } = result
  const { selection } = editor.state
  const linkType = editor.schema.marks.link
  if (!linkType) return { ok: false, reason: 'This document cannot hold links.' }
  const inLink = editor.isActive('link')
  if (!selection.empty) {
    editor.chain().focus().setLink({ href }).run()
  } else if (inLink) {
    editor.chain().focus().extendMarkRange('link').setLink({ href }).run()
  } else {
    const label = text.trim() || href
    const from = selection.from
    editor
      .chain()
      .focus()
      .insertContent({ type: 'text', text: label, marks: [{ type: 'link', attrs: { href } }] })
      // Typing after the new link should not extend it.
      .setTextSelection(from + label.length)
      .unsetMark('link')
      .run()
  }
  return { ok: true }
}

/** Removes the link under the caret (all of it) or from the selection. */
export function removeLink(editor: Editor): void {
  const { selection } = editor.state
  const linkType = editor.schema.marks.link
  if (selection.empty && linkType) {
    const range = getMarkRange(selection.$from, linkType)
    if (range) {
      editor.chain().focus().setTextSelection(range).unsetLink().setTextSelection(selection.from).run()
      return
    }
  }
  editor.chain().focus().unsetLink().run()
}
