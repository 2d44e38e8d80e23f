import type { JSONContent } from '@tiptap/core'
import { Node, type Schema } from '@tiptap/pm/model'
import { InvalidContentError } from './content-error'
import { findUnsafeUrl } from './safe-urls'
import { documentSchema } from './schema'

/**
 * Deeper nesting than any real document has (a list nested 30 levels is 90 nodes deep), and
 * little enough that reading, rendering and syncing it never run out of stack.
 */
export const MAX_CONTENT_DEPTH = 100

/**
 * ProseMirror JSON (`{type: 'doc', content: [...]}`) as a node of the document schema, checked
 * the way the editor would need it: every node and mark type known, every node holding only
 * what its type allows. Anything else throws InvalidContentError naming the first problem and
 * its place (`doc.content[2].content[0]`), as does a link or image to an address that is not
 * safe (see safe-urls.ts); nothing is softened, so what is accepted is what was sent. A document with no content at all is read as one empty paragraph.
 */
export function contentFromJSON(json: unknown, schema: Schema = documentSchema()): Node {
  if (!isObject(json) || json.type !== 'doc')
    throw new InvalidContentError('content must be a ProseMirror document: {"type": "doc", "content": [...]}')
  checkShape(json, schema, 'doc', 0)
  const unsafe = findUnsafeUrl(json)
  if (unsafe) throw new InvalidContentError(unsafe)
  // The schema wants a block at least; an empty document is what an editor shows for one.
  const filled = Array.isArray(json.content) && json.content.length > 0 ? json : { ...json, content: [{ type: 'paragraph' }] }
  let node: Node
  try {
    node = Node.fromJSON(schema, filled)
    node.check()
  } catch (err) {
    throw new InvalidContentError(`invalid document: ${err instanceof Error ? err.message : String(err)}`)
  }
  return node
}

/**
 * The mistakes ProseMirror reports without saying where (or, for unknown marks, at all
 * clearly), found first with their path.
 */
function checkShape(node: Record<string, unknown>, schema: Schema, path: string, depth: number): void {
  if (depth > MAX_CONTENT_DEPTH) throw new InvalidContentError(`${path}: nested deeper than ${MAX_CONTENT_DEPTH} levels`)
  const { type, content, marks, text, attrs } = node
  if (typeof type !== 'string') throw new InvalidContentError(`${path}: a node needs a string "type"`)
  if (!(type in schema.nodes)) throw new InvalidContentError(`${path}: unknown node type "${type}"`)
  if (attrs !== undefined && !isObject(attrs)) throw new InvalidContentError(`${path}: "attrs" must be an object`)
  if (type === 'text' && (typeof text !== 'string' || text === '')) {
    throw new InvalidContentError(`${path}: a text node needs a non-empty string "text"`)
  }
  if (marks !== undefined) {
    if (!Array.isArray(marks)) throw new InvalidContentError(`${path}.marks: must be an array`)
    marks.forEach((mark: unknown, index) => {
      const at = `${path}.marks[${index}]`
      if (!isObject(mark) || typeof mark.type !== 'string') throw new InvalidContentError(`${at}: a mark needs a string "type"`)
      if (!(mark.type in schema.marks)) throw new InvalidContentError(`${at}: unknown mark type "${mark.type}"`)
      if (mark.attrs !== undefined && !isObject(mark.attrs)) throw new InvalidContentError(`${at}: "attrs" must be an object`)
    })
  }
  if (content === undefined) return
  if (!Array.isArray(content)) throw new InvalidContentError(`${path}.content: must be an array`)
  content.forEach((child: unknown, index) => {
    const at = `${path}.content[${index}]`
    if (!isObject(child)) throw new InvalidContentError(`${at}: a node must be an object`)
    checkShape(child, schema, at, depth + 1)
  })
}

function isObject(value: unknown): value is Record<string, unknown> & JSONContent {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
