/**
 * The framework-free client: the sync connection (status, "Saved", presence, activity), access
 * tokens and the documents REST client. Internals (diffing, save-range arithmetic, sync message
 * peeking) stay importable by path for tests but are not part of this API.
 */

export { grantsDocument, ROLES, type Role, roleCanWrite } from '../protocol/access'
export { CloseCode, type CloseCodeName, type CloseReason, closeCodeName } from '../protocol/close-codes'
export { isValidDocId } from '../protocol/document-fields'
export type { ActivityEntry, ActivityKind } from './activity'
export {
  type ClosedReason,
  type ConnectionOptions,
  createConnection,
  type LocalCopyOptions,
  type LocalCopyStatus,
  type SaveState,
  type TandemConnection,
} from './connection'
export {
  checkImportFile,
  DOWNLOAD_FORMATS,
  downloadFileName,
  downloadFileText,
  explainContentError,
  IMPORT_ACCEPT,
  IMPORT_CONTENT_TYPES,
  type ImportKind,
  importKindOf,
  MAX_IMPORT_BYTES,
  titleFromFileName,
} from './content-files'
export {
  type AccessDenialReason,
  type AccessState,
  bindDocAccess,
  type ConnectionTrouble,
  createDocAccess,
  type DocAccess,
  type DocAccessOptions,
  exchangeToken,
  fetchAuthMode,
  type GrantedAccess,
} from './doc-access'
export {
  createDocsClient,
  type DocMeta,
  DocsApiError,
  type DocsClient,
  type DocsClientOptions,
  type FoundDoc,
  type ListedDoc,
  randomDocIdPart,
  type SearchSnippet,
  type ShareLink,
  type SnippetHighlight,
} from './docs-client'
export {
  createFilesClient,
  type FilesClient,
  type FilesClientOptions,
  FileUploadError,
  filesClientFor,
  type UploadedFile,
} from './files-client'
export { colorForSeed, type KeyValueStore, type LocalIdentity, loadIdentity, saveName, type TandemUser, USER_COLORS } from './identity'
export { LAST_RESTORE_KEY, type LastRestore, observeLastRestore, readLastRestore } from './last-restore'
export {
  clearLocalCopies,
  deleteLocalCopy,
  type LocalCopyInfo,
  type LocalCopyKey,
  listLocalCopies,
  listLocalDocuments,
  localCopyName,
  localCopyPrefixFor,
  localCopyUserKey,
  peekLocalCopy,
} from './local-copy'
export { registerOfflineShell } from './offline-shell'
export type { Peer, Person } from './presence'
export type { ReadonlySignal } from './signal'
export type { ConnectionStatus } from './status'
export { bindTitleInput, type TitleInput } from './title-binding'
export {
  creatablePrefix,
  decodeTokenClaims,
  forgetAccessToken,
  loadAccessToken,
  personIdFor,
  saveAccessToken,
  type TokenClaims,
  takeAccessToken,
} from './tokens'
export { collabUrlFromLocation, collabUrlFromScript, documentUrl } from './urls'
export {
  createVersionsClient,
  parseVersion,
  type RestoreResult,
  type Version,
  type VersionAuthor,
  type VersionContentFormat,
  type VersionsClient,
} from './versions-client'
