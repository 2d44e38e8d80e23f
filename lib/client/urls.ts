/** Where the sync endpoint lives relative to a page: `ws(s)://<same host>/collab`. */
export function collabUrlFromLocation(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/collab`
}

/** The shareable link of a document (no `?name=`, so it never renames the recipient). */
export function documentUrl(origin: string, docId: string): string {
  return `${origin.replace(/\/+$/, '')}/d/${encodeURIComponent(docId)}`
}

/**
 * The sync endpoint of the server a script was loaded from: `collab` next to it, so
 * `https://tandem.example/embed.js` gives `wss://tandem.example/collab` (and a server under a
 * path prefix keeps its prefix).
 */
export function collabUrlFromScript(scriptUrl: string): string {
  const url = new URL('collab', scriptUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.search = ''
  url.hash = ''
  return url.href
}
