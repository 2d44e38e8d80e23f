import type { Node } from '@tiptap/pm/model'
import type { Room } from '../rooms/room'
import type { RoomManager } from '../rooms/room-manager'
import { type DocumentModel, loadDocumentModel } from './document-model'
import type { SeedLocks } from './seed-lock'

/** `replace`: the content becomes the node (PUT); `append`: its blocks go after the content (POST). */
export type WriteMode = 'replace' | 'append'

export interface ContentWriterDeps {
  readonly rooms: RoomManager
  readonly seedLocks: SeedLocks
}

/**
 * Content written through the REST API (SPEC H6, H7). Every write is a server-side change of
 * the document's room (`room.change`): stored first, then relayed to every connection, so each
 * open editor, a stock y-websocket client included, shows it at once, and in a cluster the
 * other servers' clients too (C1).
 */
export class ContentWriter {
  constructor(private readonly deps: ContentWriterDeps) {}

  /** Writes `content`; resolves once it is stored and relayed. */
  async write(docId: string, content: Node, mode: WriteMode, author?: string): Promise<void> {
    const model = await loadDocumentModel()
    return this.deps.rooms.withRoom(docId, (room) => room.change((doc) => apply(model, doc, content, mode), author))
  }

  /**
   * Writes `content` only if the document's content is empty (isContentEmpty); false, and
   * nothing written, if it is not. Exactly one of any number of racing seeds wins, on one
   * server or across a cluster: under the document's seed lock, the room first takes in
   * everything stored (another server's seed committed before the lock passed here included)
   * and waits for its own pending updates, then checks and writes in one synchronous change,
   * and the lock is let go only once that change is stored.
   */
  async seed(docId: string, content: Node, mode: WriteMode, author?: string): Promise<boolean> {
    const model = await loadDocumentModel()
    return this.deps.seedLocks.run(docId, () =>
      this.deps.rooms.withRoom(docId, async (room) => {
        await room.catchUp()
        await room.readStored(() => undefined)
        return seedRoom(model, room, content, mode, author)
      }),
    )
  }
}

async function seedRoom(model: DocumentModel, room: Room, content: Node, mode: WriteMode, author: string | undefined): Promise<boolean> {
  let seeded = false
  // The check and the write share one transaction: nothing can land between them, even an
  // edit that arrived while the lock was being taken.
  await room.change((doc) => {
    if (!model.isContentEmpty(doc)) return
    apply(model, doc, content, mode)
    seeded = true
  }, author)
  return seeded
}

function apply(model: DocumentModel, doc: Parameters<DocumentModel['replaceContent']>[0], content: Node, mode: WriteMode): void {
  if (mode === 'replace') model.replaceContent(doc, content)
  else model.appendContent(doc, content)
}
