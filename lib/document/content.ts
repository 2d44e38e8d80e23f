import type { JSONContent } from '@tiptap/core'
import { Node, type Schema } from '@tiptap/pm/model'
import { yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap'
import type * as Y from 'yjs'
import { CONTENT_FIELD } from '../protocol/document-fields'
import { documentSchema } from './schema'

/**
 * A document's content as a ProseMirror node of the document schema, read with the same Yjs
 * binding the editor writes with. Any client can write to the Y.Doc, so what does not fit the
 * schema is softened rather than refused: a node type this version does not know (say, from a
 * newer editor) is replaced by its content, an unknown mark is dropped and its text kept, so an
 * export degrades to text instead of failing.
 */
export function docToNode(doc: Y.Doc): Node {
  const schema = documentSchema()
  const json = yXmlFragmentToProsemirrorJSON(doc.getXmlFragment(CONTENT_FIELD)) as JSONContent
  return Node.fromJSON(schema, { type: 'doc', content: fitContent(json.content ?? [], schema) })
}

/** A document's content as ProseMirror JSON, every attribute present (what `editor.getJSON()` gives). */
export function docToJSON(doc: Y.Doc): JSONContent {
  return nodeToJSON(docToNode(doc))
}

/** A ProseMirror node as the JSON Tandem gives out (see withoutUnsetAlignment). */
export function nodeToJSON(node: Node): JSONContent {
  return withoutUnsetAlignment(node.toJSON() as JSONContent)
}

/**
 * Text alignment is an attribute the alignment extension adds to every paragraph and heading;
 * unset, it is noise in every block of the JSON a service reads (`"attrs": {"textAlign": null}`).
 * Left out, the JSON reads back as the same document, and JSON from before alignment existed
 * stays what services see.
 */
function withoutUnsetAlignment(node: JSONContent): JSONContent {
  let result = node
  if (node.attrs && 'textAlign' in node.attrs && node.attrs.textAlign == null) {
    const { textAlign: _unset, ...attrs } = node.attrs
    const { attrs: _all, ...rest } = node
    result = Object.keys(attrs).length > 0 ? { ...rest, attrs } : rest
  }
  return node.content ? { ...result, content: node.content.map(withoutUnsetAlignment) } : result
}

function fitContent(content: JSONContent[], schema: Schema): JSONContent[] {
  return content.flatMap((node) => fitNode(node, schema))
}

function fitNode(node: JSONContent, schema: Schema): JSONContent[] {
  if (node.type === 'text') {
    // Yjs embeds (non-string inserts) have no place in a text node.
    if (typeof node.text !== 'string' || node.text === '') return []
    return [withMarks({ type: 'text', text: node.text }, node.marks, schema)]
  }
  const content = fitContent(node.content ?? [], schema)
  if (node.type === undefined || !(node.type in schema.nodes)) return content
  const fitted: JSONContent = { type: node.type, ...(node.attrs ? { attrs: node.attrs } : {}), content }
  return [withMarks(fitted, node.marks, schema)]
}

function withMarks(node: JSONContent, marks: JSONContent['marks'], schema: Schema): JSONContent {
  const known = (marks ?? []).filter((mark) => mark.type in schema.marks)
  return known.length > 0 ? { ...node, marks: known } : node
}
