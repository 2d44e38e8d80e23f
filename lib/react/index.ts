'use client'

export { TandemDocProvider, useTandemConnection, type TandemDocProviderProps } from './tandem-doc-provider'
export {
  useActivity,
  useClosedReason,
  useConnectionStatus,
  useDoc,
  useDocTitle,
  usePeople,
  usePresence,
  useSaveState,
  useSmoothedSaveState,
  useSynced,
  type DocHandle,
} from './hooks'
export { useLocalIdentity } from './use-identity'
export { CollaborativeEditor, type CollaborativeEditorProps } from './collaborative-editor'
export { EditorToolbar } from './editor-toolbar'
export { PresenceList, AvatarStack, Avatar } from './presence'
export { ConnectionStatusBadge, SaveIndicator } from './status'
export { ActivityFeed } from './activity-feed'
export { DocTitleInput } from './doc-title-input'
export { NameDialog } from './name-dialog'
export { ShareButton, type ShareButtonProps } from './share-button'
export { AccessMessage, ViewOnlyBadge, accessDenialCopy, type AccessPlace } from './access-message'
export { useAccessToken, useAuthMode, useDocAccess, type UseDocAccessOptions } from './use-access'
export { DocumentList, type DocumentListProps } from './document-list'
