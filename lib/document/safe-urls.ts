import type { JSONContent } from '@tiptap/core'

/**
 * Which addresses a document may link to or show. A link opens http(s), mail and phone
 * addresses or a relative one; an image loads over http(s) or relative to the app (its
 * uploaded files). Everything else (`javascript:`, `vbscript:`, `data:`, `file:`…) is refused:
 * it runs script, or smuggles content past the upload limits, when someone clicks or opens it.
 */
const LINK_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'mailto', 'tel'])
const IMAGE_SCHEMES: ReadonlySet<string> = new Set(['http', 'https'])

/**
 * Browsers drop ASCII tabs and newlines anywhere in a URL and leading control characters and
 * spaces before they read the scheme (`java\tscript:` is `javascript:`); so does this.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const IGNORED_BY_URL_PARSER = /[\t\n\r]|^[\u0000-\u0020]+/g
const SCHEME = /^([a-z][a-z0-9+.-]*):/i

function scheme(url: string): string | undefined {
  return SCHEME.exec(url.replace(IGNORED_BY_URL_PARSER, ''))?.[1]?.toLowerCase()
}

function allowed(url: unknown, schemes: ReadonlySet<string>): boolean {
  if (typeof url !== 'string' || url.trim() === '') return false
  const found = scheme(url)
  return found === undefined || schemes.has(found)
}

/** An http(s), mailto or tel address, or a relative one. */
export function isSafeLinkHref(href: unknown): boolean {
  return allowed(href, LINK_SCHEMES)
}

/** An http(s) address or a relative one (never `data:`). */
export function isSafeImageSrc(src: unknown): boolean {
  return allowed(src, IMAGE_SCHEMES)
}

/** The first unsafe link or image in ProseMirror JSON, with its place, for an error message. */
export function findUnsafeUrl(node: JSONContent, path = 'doc'): string | undefined {
  if (node.type === 'image' && !isSafeImageSrc(node.attrs?.src)) {
    return `${path}: an image's "src" must be an http(s) or relative address, not ${JSON.stringify(node.attrs?.src ?? null)}`
  }
  for (const [index, mark] of (node.marks ?? []).entries()) {
    if (mark.type === 'link' && !isSafeLinkHref(mark.attrs?.href)) {
      return `${path}.marks[${index}]: a link's "href" must be an http(s), mailto, tel or relative address, not ${JSON.stringify(mark.attrs?.href ?? null)}`
    }
  }
  for (const [index, child] of (node.content ?? []).entries()) {
    const found = findUnsafeUrl(child, `${path}.content[${index}]`)
    if (found) return found
  }
  return undefined
}

/**
 * The same JSON with unsafe addresses taken out, for content read from a file or a paste: a
 * link to one keeps its text, an image of one becomes a paragraph of its alt text.
 */
export function withoutUnsafeUrls(node: JSONContent): JSONContent {
  return findUnsafeUrl(node) === undefined ? node : stripUnsafeUrls(node)
}

function stripUnsafeUrls(node: JSONContent): JSONContent {
  if (node.type === 'image' && !isSafeImageSrc(node.attrs?.src)) {
    const alt = typeof node.attrs?.alt === 'string' ? node.attrs.alt : ''
    return alt ? { type: 'paragraph', content: [{ type: 'text', text: alt }] } : { type: 'paragraph' }
  }
  const { marks, content, ...rest } = node
  const kept = marks?.filter((mark) => mark.type !== 'link' || isSafeLinkHref(mark.attrs?.href))
  return {
    ...rest,
    ...(kept?.length ? { marks: kept } : {}),
    ...(content ? { content: content.map(stripUnsafeUrls) } : {}),
  }
}
