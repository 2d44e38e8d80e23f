import type * as Y from 'yjs'
import { type AwarenessEntry, clampText, MAX_TITLE_LENGTH, TITLE_FIELD } from '../../lib/protocol'
import type { Identity } from '../auth/claims'
import type { DocumentMetadata, RoomPolicy } from '../rooms/policy'

/**
 * Tandem's rules for its rooms: what a commit records about a document (its title, H4) and
 * whose name a caret shows (Z4). The rooms themselves know nothing of either.
 */
export const tandemRoomPolicy: RoomPolicy = {
  watchMetadata: watchTitle,
  rewritePresence: withIdentity,
}

const UNCHANGED: DocumentMetadata = {}

/**
 * The title lives in the document (Y.Text `title`); a commit that changed it records it, cut to
 * MAX_TITLE_LENGTH for the metadata (the Y.Text itself is the clients' business). Commits that
 * leave it alone record nothing and cost nothing.
 */
function watchTitle(doc: Y.Doc): () => DocumentMetadata {
  const title = doc.getText(TITLE_FIELD)
  let changed = false
  title.observe(() => {
    changed = true
  })
  return () => {
    if (!changed) return UNCHANGED
    changed = false
    return { title: clampText(title.toString(), MAX_TITLE_LENGTH) }
  }
}

/**
 * With auth on, who a caret belongs to comes from the token, not from the client: the `user`
 * field of the state gets the token's name and user id (other fields, like colour, stay).
 */
function withIdentity(entry: AwarenessEntry, identity: Identity): AwarenessEntry {
  if (entry.state === null) return entry
  const claimed = entry.state.user
  const user = {
    ...(typeof claimed === 'object' && claimed !== null && !Array.isArray(claimed) ? claimed : {}),
    name: identity.name ?? identity.userId,
    id: identity.userId,
  }
  const state = { ...entry.state, user }
  return { ...entry, state, json: JSON.stringify(state) }
}
