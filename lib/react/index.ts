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
export { ShareButton } from './share-button'
export { DocumentList, type DocumentListProps } from './document-list'
