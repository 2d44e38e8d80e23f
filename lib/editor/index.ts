export { createCollaborativeEditor, type CollaborativeEditorHandle, type CollaborativeEditorOptions } from './create-editor'
export {
  createConnection,
  DEFAULT_RESYNC_AFTER_MS,
  shouldReconnectAfterClose,
  type ClosedReason,
  type ConnectionOptions,
  type SaveState,
  type TandemConnection,
} from './connection'
export { tandemExtensions, type TandemExtensionOptions } from './extensions'
export { renderCaret, renderSelection } from './caret'
export { nextStatus, type ConnectionEvent, type ConnectionStatus } from './status'
export { SaveTracker, subtractRanges } from './save-tracker'
export { peekSyncMessage, type ServerSyncInfo } from './sync-messages'
export { readPeers, setLocalUser, subscribePeers, groupPeople, type Peer, type Person } from './presence'
export { ActivityLog, MAX_ACTIVITY_ENTRIES, type ActivityEntry, type ActivityKind } from './activity'
export {
  colorForSeed,
  initialsOf,
  loadIdentity,
  normalizeName,
  saveName,
  MAX_NAME_LENGTH,
  USER_COLORS,
  type KeyValueStore,
  type LocalIdentity,
  type TandemUser,
} from './identity'
export { bindTitleInput, diffText, mapPosition, TITLE_ORIGIN, type TitleInput } from './title-binding'
export { createDocsClient, DocsApiError, type DocMeta, type DocsClient, type DocsClientOptions, type ShareLink } from './docs-client'
export {
  ACCESS_TOKEN_KEY,
  creatablePrefix,
  decodeTokenClaims,
  docsGrant,
  forgetAccessToken,
  loadAccessToken,
  roleCanEdit,
  saveAccessToken,
  splitTokenFromUrl,
  takeAccessToken,
  type AccessRole,
  type TokenClaims,
} from './tokens'
export {
  bindDocAccess,
  createDocAccess,
  exchangeToken,
  fetchAuthMode,
  DENIAL_REASONS,
  type AccessDenialReason,
  type AccessState,
  type ConnectionTrouble,
  type DocAccess,
  type DocAccessOptions,
  type GrantedAccess,
} from './doc-access'
export { formatRelativeTime, formatClockTime } from './relative-time'
export { collabUrlFromLocation, documentUrl } from './urls'
export { Signal, type ReadonlySignal } from './signal'
