import { describe, expect, it } from 'vitest'
import { normalizeLinkUrl } from '../../lib/editor/link-url'

/** lib/editor/link-url.ts: what a typed link address becomes, and what is refused. */

const href = (input: string) => {
  const result = normalizeLinkUrl(input)
  if (!result.ok) throw new Error(`refused ${JSON.stringify(input)}: ${result.reason}`)
  return result.href
}
const reason = (input: string) => {
  const result = normalizeLinkUrl(input)
  if (result.ok) throw new Error(`accepted ${JSON.stringify(input)} as ${result.href}`)
  return result.reason
}

describe('normalizeLinkUrl', () => {
  it('keeps http, https, mailto and tel addresses as typed (trimmed)', () => {
    expect(href('https://example.com/a?b=1#c')).toBe('https://example.com/a?b=1#c')
    expect(href('  http://example.com ')).toBe('http://example.com')
    expect(href('HTTPS://Example.com')).toBe('HTTPS://Example.com')
    expect(href('mailto:ada@example.com')).toBe('mailto:ada@example.com')
    expect(href('tel:+441234567890')).toBe('tel:+441234567890')
  })

  it('gives a bare host https and a bare e-mail address mailto', () => {
    expect(href('example.com')).toBe('https://example.com')
    expect(href('www.example.co.uk/path?q=1')).toBe('https://www.example.co.uk/path?q=1')
    expect(href('example.com:8080/x')).toBe('https://example.com:8080/x')
    expect(href('localhost:3000')).toBe('https://localhost:3000')
    expect(href('ada@example.com')).toBe('mailto:ada@example.com')
  })

  it('keeps relative addresses', () => {
    expect(href('/d/notes')).toBe('/d/notes')
    expect(href('#intro')).toBe('#intro')
    expect(href('../other.html')).toBe('../other.html')
    expect(href('?tab=2')).toBe('?tab=2')
  })

  it('refuses addresses that run code, whatever their spelling', () => {
    for (const input of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:void(0)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
    ]) {
      expect(reason(input)).toMatch(/not allowed/)
    }
    expect(reason('javascript:alert(1)')).toContain('javascript:')
    expect(reason('data:text/html,x')).toContain('data:')
    // Browsers drop tabs and newlines inside a URL, so these would still be javascript:.
    expect(reason('java\tscript:alert(1)')).toMatch(/spaces or invisible/)
    expect(reason('java\nscript:alert(1)')).toMatch(/spaces or invisible/)
    expect(reason('javascript\\:alert(1)')).toMatch(/backslash/)
  })

  it('refuses other schemes, empty input, spaces and hostless web addresses', () => {
    expect(reason('ftp://example.com')).toMatch(/ftp: links are not allowed/)
    expect(reason('')).toMatch(/Enter a link/)
    expect(reason('   ')).toMatch(/Enter a link/)
    expect(reason('example .com')).toMatch(/spaces/)
    expect(reason('https://')).toMatch(/valid|no host/)
  })
})
