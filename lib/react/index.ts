'use client'

export { AccessMessage, type AccessPlace, accessDenialCopy, ViewOnlyBadge } from './access-message'
export { ActivityFeed } from './activity-feed'
export { CollaborativeEditor, type CollaborativeEditorProps } from './collaborative-editor'
export { DocTitleInput } from './doc-title-input'
export { DocumentList, type DocumentListProps } from './document-list'
export { DownloadMenu, type DownloadMenuProps } from './download-menu'
export { EditorToolbar } from './editor-toolbar'
export { FindBar, type FindBarProps } from './find-bar'
export {
  type DocHandle,
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
} from './hooks'
export * from './icons'
export { ImportButton, type ImportButtonProps } from './import-button'
export { LinkPrompt } from './link-prompt'
export * from './menu-icons'
export { NameDialog } from './name-dialog'
export { Avatar, AvatarStack, PresenceList } from './presence'
export { SelectionBubbleMenu } from './selection-bubble-menu'
export { ShareButton, type ShareButtonProps } from './share-button'
export { slashMenuRenderer } from './slash-menu'
export { ConnectionStatusBadge, SaveIndicator } from './status'
export { TandemDocProvider, type TandemDocProviderProps, useTandemConnection } from './tandem-doc-provider'
export { type UseDocAccessOptions, useAccessToken, useAuthMode, useDocAccess } from './use-access'
export { useLocalIdentity } from './use-identity'
export {
  MAX_VERSION_NAME_LENGTH,
  VersionHistoryButton,
  VersionHistoryPanel,
  type VersionHistoryProps,
  versionLabel,
} from './version-history'
export { WordCount } from './word-count'
