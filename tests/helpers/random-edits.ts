import * as Y from 'yjs'
import type { Rng } from './seeded-random'

/**
 * The random edits of the convergence fuzzers (tests/fuzz/): text with formatting, map, XML
 * fragment and array, on code-point boundaries, and `contents` — everything a replica shows,
 * as one comparable string.
 */

/** JSON with object keys sorted, so map insertion order (which differs by replica) is ignored. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return v
  })
}

/** Everything a replica shows: text with its formatting, map, XML (elements, attributes, text), array. */
export function contents(doc: Y.Doc): string {
  return canonical({
    text: doc.getText('text').toDelta(),
    map: doc.getMap('map').toJSON(),
    xml: doc.getXmlFragment('xml').toString(),
    list: doc.getArray('list').toJSON(),
  })
}

/**
 * Moves a UTF-16 position off the middle of a surrogate pair (towards `direction`). Editors
 * never split a character; Yjs 13.6 itself does not converge when one does (a local
 * format that changes nothing still splits the stored string, turning the emoji into two
 * U+FFFD on that replica only, and emits no update), so the fuzzer edits on code points.
 */
function onCodePoint(str: string, pos: number, direction: -1 | 1): number {
  const high = str.charCodeAt(pos - 1)
  const low = str.charCodeAt(pos)
  const splitsPair = pos > 0 && pos < str.length && high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff
  return splitsPair ? pos + direction : pos
}

function plain(text: Y.Text | Y.XmlText): string {
  return text
    .toDelta()
    .map((op: { insert?: unknown }) => (typeof op.insert === 'string' ? op.insert : ''))
    .join('')
}

/** A random [start, end) range of 1..maxLength UTF-16 units on code-point boundaries, or null. */
function randomRange(rng: Rng, str: string, maxLength: number): [number, number] | null {
  if (str.length === 0) return null
  const start = onCodePoint(str, rng.int(str.length), -1)
  const end = onCodePoint(str, Math.min(str.length, start + rng.between(1, maxLength)), 1)
  return end > start ? [start, end] : null
}

export function randomEdit(rng: Rng, doc: Y.Doc): void {
  const text = doc.getText('text')
  const map = doc.getMap('map')
  const xml = doc.getXmlFragment('xml')
  const list = doc.getArray<number | string>('list')
  const kind = rng.weighted({
    textInsert: 30,
    textDelete: 14,
    textFormat: 5,
    mapSet: 16,
    mapDelete: 4,
    xmlInsert: 9,
    xmlText: 9,
    xmlAttr: 4,
    xmlDelete: 4,
    listInsert: 5,
    listDelete: 3,
  })
  switch (kind) {
    case 'textInsert': {
      const attributes = rng.chance(0.2) ? { bold: true } : undefined
      const str = plain(text)
      text.insert(onCodePoint(str, rng.int(str.length + 1), -1), rng.string(rng.between(1, 6)), attributes)
      return
    }
    case 'textDelete': {
      const range = randomRange(rng, plain(text), 5)
      if (range) text.delete(range[0], range[1] - range[0])
      return
    }
    case 'textFormat': {
      const range = randomRange(rng, plain(text), 8)
      if (range) text.format(range[0], range[1] - range[0], { italic: rng.chance(0.7) ? true : null })
      return
    }
    case 'mapSet':
      map.set(`k${rng.int(8)}`, rng.chance(0.5) ? rng.int(1000) : rng.string(4))
      return
    case 'mapDelete':
      map.delete(`k${rng.int(8)}`)
      return
    case 'xmlInsert': {
      const element = new Y.XmlElement(rng.pick(['p', 'h1', 'li']))
      element.setAttribute('n', String(rng.int(100)))
      element.insert(0, [new Y.XmlText(rng.string(rng.between(1, 4)))])
      xml.insert(rng.int(xml.length + 1), [element])
      return
    }
    case 'xmlText': {
      if (xml.length === 0) return
      const element = xml.get(rng.int(xml.length))
      if (!(element instanceof Y.XmlElement)) return
      const child = element.get(0)
      if (!(child instanceof Y.XmlText)) return
      const str = plain(child)
      const range = rng.chance(0.3) ? randomRange(rng, str, 2) : null
      if (range) child.delete(range[0], range[1] - range[0])
      else child.insert(onCodePoint(str, rng.int(str.length + 1), -1), rng.string(rng.between(1, 3)))
      return
    }
    case 'xmlAttr': {
      if (xml.length === 0) return
      const element = xml.get(rng.int(xml.length))
      if (element instanceof Y.XmlElement) element.setAttribute('n', String(rng.int(100)))
      return
    }
    case 'xmlDelete':
      if (xml.length > 0) xml.delete(rng.int(xml.length), 1)
      return
    case 'listInsert':
      list.insert(rng.int(list.length + 1), [rng.chance(0.5) ? rng.int(100) : rng.string(2)])
      return
    case 'listDelete':
      if (list.length > 0) list.delete(rng.int(list.length), 1)
      return
  }
}
