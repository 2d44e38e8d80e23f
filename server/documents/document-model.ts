/**
 * lib/document — the Tiptap schema, its HTML/Markdown serializers and parsers, happy-dom for
 * HTML — loaded on the first request that reads or writes content, not when the server starts:
 * it is most of what the server could load, and a server that only relays sync never needs it.
 */
export type DocumentModel = typeof import('../../lib/document')

let loading: Promise<DocumentModel> | undefined

export function loadDocumentModel(): Promise<DocumentModel> {
  loading ??= import('../../lib/document')
  return loading
}
