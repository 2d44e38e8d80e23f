/** Where the sync endpoint lives relative to a page: `ws(s)://<same host>/collab`. */
export function collabUrlFromLocation(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/collab`
}

/** The shareable link of a document (no `?name=`, so it never renames the recipient). */
export function documentUrl(origin: string, docId: string): string {
  return `${origin.replace(/\/+$/, '')}/d/${encodeURIComponent(docId)}`
}
