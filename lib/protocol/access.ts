/**
 * The access vocabulary, shared by the server (which decides) and the client (which shows the
 * decision): roles, what each may do, how a token's `docs` claim covers a document, and the
 * closed set of reasons a request or connection is refused. Adding a role or a failure is one
 * edit here, and the compiler follows it to both sides.
 */

/**
 * Roles a token's `role` claim may carry, weakest first.
 *   viewer     reads and shows presence
 *   commenter  today exactly a viewer; will also add comments once comments exist, never edit
 *   editor     changes the document and its title, creates and deletes documents
 */
export const ROLES = ['viewer', 'commenter', 'editor'] as const
export type Role = (typeof ROLES)[number]

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/** Only editors change documents; viewers and commenters sync and show presence. */
export function roleCanWrite(role: Role | null | undefined): boolean {
  return role === 'editor'
}

/** Whether `role` is `needed` or stronger. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed)
}

/** Whether a token's `docs` claim covers a document: exact id, "prefix*", or "*". */
export function grantsDocument(docs: readonly string[] | undefined, docId: string): boolean {
  return (docs ?? []).some((pattern) => (pattern.endsWith('*') ? docId.startsWith(pattern.slice(0, -1)) : pattern === docId))
}

/**
 * Why access is refused, each with its one HTTP status: 401 when the caller has not proven who
 * they are, 403 when they have but may not do this. The API answers `{error, reason}` with the
 * key as `reason`, and the client shows its own words for each.
 */
export const ACCESS_FAILURES = {
  MissingToken: { status: 401, message: 'a token is required' },
  InvalidToken: { status: 401, message: 'the token is malformed or its claims are invalid' },
  InvalidSignature: { status: 401, message: 'the token signature does not verify' },
  Expired: { status: 401, message: 'the token has expired' },
  Revoked: { status: 403, message: 'access was revoked' },
  WrongDocument: { status: 403, message: 'the token does not grant this document' },
  InsufficientRole: { status: 403, message: 'the token role does not allow this' },
  OriginNotAllowed: { status: 403, message: 'this origin is not allowed' },
} as const satisfies Record<string, { status: 401 | 403; message: string }>
export type AccessFailure = keyof typeof ACCESS_FAILURES

export function isAccessFailure(value: unknown): value is AccessFailure {
  return typeof value === 'string' && Object.hasOwn(ACCESS_FAILURES, value)
}
