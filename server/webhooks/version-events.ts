import type { Log } from '../rooms/log'
import type { VersionEvents } from '../versions/version-service'
import type { VersionEventsListener } from './events'

/**
 * Turns what the versions service reports into webhook events (`version.created`,
 * `document.restored`), and passes each report on to `next` as well (an embedder's own
 * listener). The service reports after the version is stored; writing the event may fail
 * (the database went away between the two) and is then logged, never thrown into the
 * service, whose save has already succeeded.
 */
export function versionEventsToWebhooks(
  webhooks: VersionEventsListener | null,
  logger: Log,
  next?: VersionEvents,
): VersionEvents | undefined {
  if (!webhooks) return next
  const warn = (docId: string) => (err: unknown) => logger.warn({ err, docId }, 'could not queue a webhook event for a version')
  return {
    versionCreated(docId, version) {
      webhooks.versionCreated(docId, { id: version.id, label: version.name, createdBy: version.author?.name ?? null }).catch(warn(docId))
      next?.versionCreated?.(docId, version)
    },
    documentRestored(docId, restore) {
      webhooks.documentRestored(docId, { versionId: restore.version.id, restoredBy: restore.by.name }).catch(warn(docId))
      next?.documentRestored?.(docId, restore)
    },
  }
}
