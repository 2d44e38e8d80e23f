export { type ActivityEntry, type ActivityKind, ActivityLog, MAX_ACTIVITY_ENTRIES } from './activity'
export { renderCaret, renderSelection } from './caret'
export {
  type ClosedReason,
  type ConnectionOptions,
  createConnection,
  DEFAULT_RESYNC_AFTER_MS,
  type SaveState,
  shouldReconnectAfterClose,
  type TandemConnection,
} from './connection'
export { type CollaborativeEditorHandle, type CollaborativeEditorOptions, createCollaborativeEditor } from './create-editor'
export {
  type AccessDenialReason,
  type AccessState,
  bindDocAccess,
  type ConnectionTrouble,
  createDocAccess,
  DENIAL_REASONS,
  type DocAccess,
  type DocAccessOptions,
  exchangeToken,
  fetchAuthMode,
  type GrantedAccess,
} from './doc-access'
export { createDocsClient, type DocMeta, DocsApiError, type DocsClient, type DocsClientOptions, type ShareLink } from './docs-client'
export { type TandemExtensionOptions, tandemExtensions } from './extensions'
export {
  colorForSeed,
  initialsOf,
  type KeyValueStore,
  type LocalIdentity,
  loadIdentity,
  MAX_NAME_LENGTH,
  normalizeName,
  saveName,
  type TandemUser,
  USER_COLORS,
} from './identity'
export { groupPeople, type Peer, type Person, readPeers, setLocalUser, subscribePeers } from './presence'
export { formatClockTime, formatRelativeTime } from './relative-time'
export { SaveTracker, subtractRanges } from './save-tracker'
export { type ReadonlySignal, Signal } from './signal'
export { type ConnectionEvent, type ConnectionStatus, nextStatus } from './status'
export { peekSyncMessage, type ServerSyncInfo } from './sync-messages'
export { bindTitleInput, diffText, mapPosition, TITLE_ORIGIN, type TitleInput } from './title-binding'
export {
  ACCESS_TOKEN_KEY,
  type AccessRole,
  creatablePrefix,
  decodeTokenClaims,
  docsGrant,
  forgetAccessToken,
  loadAccessToken,
  roleCanEdit,
  saveAccessToken,
  splitTokenFromUrl,
  type TokenClaims,
  takeAccessToken,
} from './tokens'
export { collabUrlFromLocation, documentUrl } from './urls'
