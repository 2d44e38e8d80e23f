/**
 * What a link may point at. A link in a shared document is clicked by other people, so an
 * address that runs code when followed (`javascript:`, `data:`, `vbscript:`…) never becomes an
 * href, and neither does any scheme other than the four a document needs. Relative addresses
 * (`/d/other`, `#part`, `notes.html`) stay as written; a bare host (`example.com`) gets https,
 * a bare e-mail address gets mailto.
 */
export type LinkUrlResult = { ok: true; href: string } | { ok: false; reason: string }

const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto', 'tel'])
/** Schemes refused with their own explanation: following them runs code or shows arbitrary content. */
const SCRIPT_SCHEMES = new Set(['javascript', 'data', 'vbscript', 'blob', 'file'])

const SCHEME = /^([a-z][a-z0-9+.-]*):/i
/** `example.com`, `www.example.com:8080/path?q#x`, `localhost:3000`. */
const BARE_HOST = /^(?:localhost|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,})(?::\d{1,5})?(?:[/?#]|$)/i
const BARE_EMAIL = /^[^\s@/:?#]+@[^\s@/:?#]+\.[a-z]{2,}$/i
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused (browsers drop them, so `java\tscript:` would run)
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/

/** Turns what someone typed into a safe href, or says why it cannot be one. */
export function normalizeLinkUrl(input: string): LinkUrlResult {
  const value = input.trim()
  if (value === '') return { ok: false, reason: 'Enter a link address.' }
  if (CONTROL_OR_SPACE.test(value)) return { ok: false, reason: 'A link address can’t contain spaces or invisible characters.' }
  // Backslashes are read as slashes by browsers (`\\evil.com` is `//evil.com`, `javascript\:`…): keep them out.
  if (value.includes('\\')) return { ok: false, reason: 'A link address can’t contain backslashes.' }

  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase()
  if (scheme !== undefined && ALLOWED_SCHEMES.has(scheme)) return checked(value)
  if (scheme !== undefined && SCRIPT_SCHEMES.has(scheme)) {
    return { ok: false, reason: `${scheme}: links are not allowed: they could run code or show content on behalf of this document.` }
  }
  if (BARE_EMAIL.test(value)) return checked(`mailto:${value}`)
  if (BARE_HOST.test(value)) return checked(`https://${value}`)
  if (scheme !== undefined) return { ok: false, reason: `${scheme}: links are not allowed. Use an http, https, mailto or tel address.` }
  // No scheme and not a host: a relative address (`/d/notes`, `#intro`, `../a.html`, `//host/path`).
  return checked(value)
}

/** Last check: the address must parse, and resolve to an allowed scheme (relative ones resolve to the page's). */
function checked(href: string): LinkUrlResult {
  let url: URL
  try {
    url = new URL(href, 'https://tandem.invalid/')
  } catch {
    return { ok: false, reason: 'That is not a valid link address.' }
  }
  const scheme = url.protocol.slice(0, -1)
  if (!ALLOWED_SCHEMES.has(scheme)) return { ok: false, reason: `${scheme}: links are not allowed.` }
  if ((scheme === 'http' || scheme === 'https') && SCHEME.test(href) && url.hostname === '') {
    return { ok: false, reason: 'That link address has no host.' }
  }
  return { ok: true, href }
}
