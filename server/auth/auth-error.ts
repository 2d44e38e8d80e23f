import { ACCESS_FAILURES, type AccessFailure } from '../../lib/protocol'

/** A refused request or connection: one of the closed set of ACCESS_FAILURES, with its status. */
export class AuthError extends Error {
  readonly status: number
  constructor(readonly failure: AccessFailure) {
    super(ACCESS_FAILURES[failure].message)
    this.status = ACCESS_FAILURES[failure].status
  }
}
