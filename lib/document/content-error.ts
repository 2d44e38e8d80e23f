/**
 * Input that cannot become a document of the schema (malformed ProseMirror JSON, an unknown
 * node or mark type, content a node may not hold). The message says what and where, for the
 * person who sent it.
 */
export class InvalidContentError extends Error {
  override name = 'InvalidContentError'
}
