/**
 * The closed set of reasons a request or connection is refused. Each maps to one HTTP status:
 * 401 when the caller has not proven who they are, 403 when they have but may not do this.
 */
export const AuthFailure = {
  MissingToken: { status: 401, message: 'a token is required' },
  InvalidToken: { status: 401, message: 'the token is malformed or its claims are invalid' },
  InvalidSignature: { status: 401, message: 'the token signature does not verify' },
  Expired: { status: 401, message: 'the token has expired' },
  Revoked: { status: 403, message: 'access was revoked' },
  WrongDocument: { status: 403, message: 'the token does not grant this document' },
  InsufficientRole: { status: 403, message: 'the token role does not allow this' },
  OriginNotAllowed: { status: 403, message: 'this origin is not allowed' },
} as const
export type AuthFailureName = keyof typeof AuthFailure

export class AuthError extends Error {
  readonly status: number
  constructor(readonly failure: AuthFailureName) {
    super(AuthFailure[failure].message)
    this.status = AuthFailure[failure].status
  }
}
