import type * as Y from 'yjs'
import type { AwarenessEntry } from '../../lib/protocol'
import type { Identity } from '../auth/claims'

/** What a commit records about its document beside the update (storage's metadata columns). */
export interface DocumentMetadata {
  /** The title to store; absent leaves the stored title as it is. */
  readonly title?: string
}

/**
 * The application's rules, injected by the composition root (like Hocuspocus'
 * `onStoreDocument` and `beforeHandleAwareness` hooks). A room without a policy is a plain Yjs
 * sync core: its commits record no metadata and presence is relayed as the clients send it.
 */
export interface RoomPolicy {
  /**
   * Watches one document, once it is loaded. The returned function is called at every commit,
   * right after the commit's change was applied to `doc`, and returns the metadata that changed
   * since its previous call — `{}` when nothing did, which is the common case and must be cheap.
   */
  readonly watchMetadata?: (doc: Y.Doc) => () => DocumentMetadata
  /**
   * Rewrites each presence entry of a connection whose identity is verified, before it is kept
   * and relayed (such updates are then re-encoded from the kept states, not relayed as sent).
   */
  readonly rewritePresence?: (entry: AwarenessEntry, identity: Identity) => AwarenessEntry
}
