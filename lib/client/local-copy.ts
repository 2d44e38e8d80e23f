import { IndexeddbPersistence } from 'y-indexeddb'
import type * as Y from 'yjs'
import type { PendingSnapshot } from './save-tracker'
import { type ReadonlySignal, Signal } from './signal'
import { decodeTokenClaims } from './tokens'

/**
 * The device's copy of a document, in IndexedDB (y-indexeddb): what was typed survives a
 * reload, a closed tab and a browser restart, and goes to the server when it is reachable.
 *
 * One database per server, user and document, so two accounts on one browser, or two Tandem
 * servers, never mix. Besides the document's updates, the database keeps what the server had
 * not confirmed yet (`PENDING_KEY`) and the role the person last had (`ROLE_KEY`), so a page
 * opened offline can say "N changes on this device" and whether it may edit.
 */

export const LOCAL_COPY_PREFIX = 'tandem-doc:'
const PENDING_KEY = 'tandem:pending'
const ROLE_KEY = 'tandem:can-edit'
const TITLE_KEY = 'tandem:title'
const UPDATES_STORE = 'updates'
const CUSTOM_STORE = 'custom'

export interface LocalCopyKey {
  /** The sync endpoint (`wss://host/collab`); only its host and path name the copy. */
  serverUrl: string
  /** Who this copy belongs to: the token's subject with auth on, else this browser's id. */
  userKey: string
  docId: string
}

export function localCopyName({ serverUrl, userKey, docId }: LocalCopyKey): string {
  return `${localCopyPrefixFor(serverUrl)}${encodeURIComponent(userKey)}/${docId}`
}

/**
 * Who owns the copies on this page: with an access token, its subject (or the token itself
 * when it names none: another link, another owner); without one, this browser's own id.
 */
export function localCopyUserKey({ accessToken, browserId }: { accessToken: string | null; browserId: string }): string {
  if (!accessToken) return `browser:${browserId}`
  const sub = decodeTokenClaims(accessToken)?.sub
  return sub ? `user:${sub}` : `link:${accessToken.slice(-16)}`
}

/** The name prefix of every local copy belonging to one server. */
export function localCopyPrefixFor(serverUrl: string): string {
  let where = serverUrl
  try {
    const url = new URL(serverUrl)
    where = `${url.host}${url.pathname.replace(/\/+$/, '')}`
  } catch {
    // a relative or odd URL names the copy as it is
  }
  return `${LOCAL_COPY_PREFIX}${where}/`
}

function indexedDb(): IDBFactory | null {
  try {
    return typeof indexedDB === 'undefined' ? null : indexedDB
  } catch {
    // Some browsers throw on access when storage is disabled.
    return null
  }
}

/** The names of the local copies on this device (empty where the browser cannot list them). */
export async function listLocalCopies(prefix = LOCAL_COPY_PREFIX): Promise<string[]> {
  const idb = indexedDb()
  if (!idb || typeof idb.databases !== 'function') return []
  try {
    const all = await idb.databases()
    return all.map((db) => db.name ?? '').filter((name) => name.startsWith(prefix))
  } catch {
    return []
  }
}

export function deleteLocalCopy(name: string): Promise<void> {
  const idb = indexedDb()
  if (!idb) return Promise.resolve()
  return new Promise((resolve) => {
    const request = idb.deleteDatabase(name)
    // `blocked`: another tab still has it open; the deletion goes through when it closes.
    request.onsuccess = request.onerror = request.onblocked = () => resolve()
  })
}

/** Removes every local copy under `prefix` (signing out: nothing of this account stays behind). */
export async function clearLocalCopies(prefix = LOCAL_COPY_PREFIX): Promise<number> {
  const names = await listLocalCopies(prefix)
  await Promise.all(names.map(deleteLocalCopy))
  return names.length
}

export interface LocalCopyInfo {
  /** The role the person had when the copy was last online; null if never recorded. */
  canEdit: boolean | null
  /** The document's title as last seen here ('' when untitled or unknown). */
  title: string
}

/** The documents one owner has on this device, newest name first ({docId, title}). */
export async function listLocalDocuments(key: { serverUrl: string; userKey: string }): Promise<Array<{ docId: string; title: string }>> {
  const prefix = localCopyName({ ...key, docId: '' })
  const names = await listLocalCopies(prefix)
  const docs = await Promise.all(
    names.map(async (name) => ({ docId: name.slice(prefix.length), title: (await peekLocalCopy(name))?.title ?? '' })),
  )
  return docs.filter((doc) => doc.docId.length > 0).sort((a, b) => a.docId.localeCompare(b.docId))
}

/** What is known about a local copy without loading it, or null when this device has none. */
export async function peekLocalCopy(name: string): Promise<LocalCopyInfo | null> {
  if (!(await listLocalCopies(name)).includes(name)) return null
  const idb = indexedDb()
  if (!idb) return null
  return new Promise((resolve) => {
    const open = idb.open(name)
    open.onerror = () => resolve(null)
    open.onupgradeneeded = () => {
      // It vanished meanwhile: do not create an empty one.
      open.transaction?.abort()
    }
    open.onsuccess = () => {
      const db = open.result
      try {
        const store = db.transaction([CUSTOM_STORE], 'readonly').objectStore(CUSTOM_STORE)
        const role = store.get(ROLE_KEY)
        const title = store.get(TITLE_KEY)
        title.onsuccess = () =>
          resolve({
            canEdit: role.result === 'edit' ? true : role.result === 'view' ? false : null,
            title: typeof title.result === 'string' ? title.result : '',
          })
        title.onerror = () => resolve({ canEdit: null, title: '' })
      } catch {
        resolve({ canEdit: null, title: '' })
      } finally {
        db.close()
      }
    }
  })
}

/**
 * - `loading`: opening the database and applying what it holds;
 * - `ready`: loaded, and every change is being written to it;
 * - `unavailable`: IndexedDB is missing, blocked or failing: changes live in memory only;
 * - `dropped`: the copy was deleted (the document is gone from the server).
 */
export type LocalCopyState = 'loading' | 'ready' | 'unavailable' | 'dropped'

export interface LocalCopy {
  readonly name: string
  readonly state: ReadonlySignal<LocalCopyState>
  /** The transaction origin of updates applied from the database (not local edits). */
  readonly origin: unknown
  /** Resolves once loaded or known unavailable (never rejects). */
  readonly loaded: Promise<void>
  /** What the server had not confirmed when the copy was last written, or null. */
  readPending(): Promise<PendingSnapshot | null>
  /**
   * Records what is still unconfirmed. Resolves once that record AND every update written
   * before it are committed (one transaction over both stores runs after earlier ones on the
   * updates store); rejects when the database fails.
   */
  writePending(snapshot: PendingSnapshot): Promise<void>
  rememberRole(canEdit: boolean): void
  /** Keeps the title beside the copy, for the documents list offline. */
  rememberTitle(title: string): void
  /** Deletes the copy from the device; the document in memory stays. */
  drop(): Promise<void>
  destroy(): void
}

/** How long opening may take before we carry on without a local copy (a blocked upgrade can hang). */
export const LOCAL_COPY_OPEN_TIMEOUT_MS = 5_000

export function openLocalCopy(name: string, doc: Y.Doc, options: { openTimeoutMs?: number } = {}): LocalCopy {
  const state = new Signal<LocalCopyState>('loading')
  const idb = indexedDb()
  if (!idb) {
    state.set('unavailable')
    return unavailableCopy(name, state)
  }
  let persistence: IndexeddbPersistence
  try {
    persistence = new IndexeddbPersistence(name, doc)
  } catch {
    state.set('unavailable')
    return unavailableCopy(name, state)
  }
  const opened = (persistence as unknown as { _db: Promise<IDBDatabase> })._db
  const fail = () => {
    if (state.value === 'loading' || state.value === 'ready') state.set('unavailable')
  }
  const loaded = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      fail()
      resolve()
    }, options.openTimeoutMs ?? LOCAL_COPY_OPEN_TIMEOUT_MS)
    opened.catch(() => {
      clearTimeout(timer)
      fail()
      resolve()
    })
    void persistence.whenSynced.then(() => {
      clearTimeout(timer)
      if (state.value === 'loading') state.set('ready')
      resolve()
    })
  })

  const withDb = async (): Promise<IDBDatabase> => {
    if (state.value === 'unavailable' || state.value === 'dropped') throw new Error('the local copy is not available')
    return opened
  }

  return {
    name,
    state,
    origin: persistence,
    loaded,
    async readPending() {
      try {
        const value = (await persistence.get(PENDING_KEY)) as PendingSnapshot | undefined
        return value && typeof value.count === 'number' ? value : null
      } catch {
        return null
      }
    },
    async writePending(snapshot) {
      const db = await withDb()
      await new Promise<void>((resolve, reject) => {
        let tx: IDBTransaction
        try {
          tx = db.transaction([UPDATES_STORE, CUSTOM_STORE], 'readwrite')
        } catch (error) {
          reject(error)
          return
        }
        tx.objectStore(CUSTOM_STORE).put(snapshot, PENDING_KEY)
        tx.oncomplete = () => resolve()
        tx.onerror = tx.onabort = () => reject(tx.error ?? new Error('local copy write failed'))
      }).catch((error: unknown) => {
        fail()
        throw error
      })
    },
    rememberRole(canEdit) {
      if (state.value === 'ready') void persistence.set(ROLE_KEY, canEdit ? 'edit' : 'view').catch(() => {})
    },
    rememberTitle(title) {
      if (state.value === 'ready') void persistence.set(TITLE_KEY, title).catch(() => {})
    },
    async drop() {
      state.set('dropped')
      await persistence.destroy().catch(() => {})
      await deleteLocalCopy(name)
    },
    destroy() {
      void persistence.destroy().catch(() => {})
    },
  }
}

function unavailableCopy(name: string, state: Signal<LocalCopyState>): LocalCopy {
  const origin = {}
  return {
    name,
    state,
    origin,
    loaded: Promise.resolve(),
    readPending: async () => null,
    writePending: async () => {
      throw new Error('the local copy is not available')
    },
    rememberRole: () => {},
    rememberTitle: () => {},
    drop: async () => {
      state.set('dropped')
    },
    destroy: () => {},
  }
}
