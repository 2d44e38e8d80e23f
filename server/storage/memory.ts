import {
  type CompactionResult,
  DocumentDeletedError,
  type DocumentDigest,
  type DocumentMeta,
  type EnsureOptions,
  type FileMeta,
  type ListedDocument,
  type MergeUpdates,
  type NewFile,
  type NewVersion,
  type PendingUpdate,
  type SaveVersionOptions,
  type Storage,
  type StoredDocument,
  type StoredFile,
  type StoredVersion,
  type VersionMeta,
} from './storage'

interface MemoryDocument {
  meta: DocumentMeta
  snapshot: Uint8Array | null
  updates: Uint8Array[]
  /** Oldest first (save order). */
  versions: StoredVersion[]
  /** Save order. */
  files: Map<string, StoredFile>
  digest: StoredDigest | null
}

function withoutData({ data: _data, ...meta }: StoredFile): FileMeta {
  return meta
}

interface StoredDigest extends DocumentDigest {
  readonly lastEditor: string | undefined
  readonly digestedAt: number
}

function listed(doc: MemoryDocument): ListedDocument {
  const digest = doc.digest
  return { ...doc.meta, preview: digest?.preview ?? null, lastEditor: digest?.lastEditor ?? null, hasContent: digest?.hasContent ?? null }
}

function withoutState({ state: _state, ...meta }: StoredVersion): VersionMeta {
  return meta
}

/** Newest first: creation time, then save order. */
function newestFirst(versions: readonly StoredVersion[]): StoredVersion[] {
  return versions
    .map((version, order) => ({ version, order }))
    .sort((a, b) => b.version.createdAt - a.version.createdAt || b.order - a.order)
    .map((entry) => entry.version)
}

/** Keeps everything in process memory: for tests, benchmarks and throwaway servers. */
export class MemoryStorage implements Storage {
  private readonly docs = new Map<string, MemoryDocument>()
  /** Deleted documents and when they were deleted. */
  private readonly tombstones = new Map<string, number>()
  private closed = false

  async append(batch: readonly PendingUpdate[], now: number): Promise<void> {
    this.assertOpen()
    // Check the whole batch first so a bad entry stores nothing (append is atomic).
    for (const entry of batch) {
      if (typeof entry.docId !== 'string' || !(entry.update instanceof Uint8Array)) {
        throw new TypeError('append: every entry needs a string docId and Uint8Array update')
      }
    }
    for (const entry of batch) {
      if (this.tombstones.has(entry.docId)) continue
      const doc = this.upsert(entry.docId, now)
      doc.updates.push(entry.update.slice())
      doc.meta = { ...doc.meta, updatedAt: now, title: entry.title ?? doc.meta.title }
    }
  }

  async load(docId: string): Promise<StoredDocument> {
    this.assertOpen()
    const doc = this.docs.get(docId)
    return { snapshot: doc?.snapshot ?? null, updates: doc ? [...doc.updates] : [] }
  }

  async compact(docId: string, merge: MergeUpdates): Promise<CompactionResult> {
    this.assertOpen()
    const doc = this.docs.get(docId)
    if (!doc || doc.updates.length === 0) return { mergedUpdates: 0, snapshotBytes: doc?.snapshot?.length ?? 0 }
    const merged = doc.updates.length
    doc.snapshot = merge(doc.snapshot, doc.updates)
    doc.updates = []
    return { mergedUpdates: merged, snapshotBytes: doc.snapshot.length }
  }

  async ensureDocument(docId: string, now: number, options: EnsureOptions = {}): Promise<{ meta: DocumentMeta; created: boolean }> {
    this.assertOpen()
    if (this.tombstones.has(docId)) {
      if (!options.recreate) throw new DocumentDeletedError(docId)
      this.tombstones.delete(docId)
    }
    const existing = this.docs.get(docId)
    if (existing) return { meta: existing.meta, created: false }
    const doc = this.upsert(docId, now)
    doc.digest = { preview: '', text: '', searchText: '', hasContent: false, lastEditor: undefined, digestedAt: now }
    return { meta: doc.meta, created: true }
  }

  async getDocument(docId: string): Promise<DocumentMeta | null> {
    this.assertOpen()
    return this.docs.get(docId)?.meta ?? null
  }

  async listDocuments(): Promise<ListedDocument[]> {
    this.assertOpen()
    return [...this.docs.values()].map(listed).sort((a, b) => b.updatedAt - a.updatedAt)
  }

  async searchDocuments(terms: readonly string[]): Promise<ListedDocument[]> {
    this.assertOpen()
    if (terms.length === 0) return []
    const matches = [...this.docs.values()].filter((doc) => terms.every((term) => doc.digest?.searchText.includes(term)))
    return matches.map(listed).sort((a, b) => b.updatedAt - a.updatedAt)
  }

  async documentTexts(docIds: readonly string[]): Promise<Map<string, string>> {
    this.assertOpen()
    const texts = new Map<string, string>()
    for (const id of docIds) {
      const digest = this.docs.get(id)?.digest
      if (digest) texts.set(id, digest.text)
    }
    return texts
  }

  async saveDigest(docId: string, digest: DocumentDigest, now: number): Promise<boolean> {
    this.assertOpen()
    const doc = this.docs.get(docId)
    if (!doc) return false
    doc.digest = { ...digest, lastEditor: digest.lastEditor ?? doc.digest?.lastEditor, digestedAt: now }
    return true
  }

  async staleDigests(limit: number): Promise<string[]> {
    this.assertOpen()
    return [...this.docs.values()]
      .filter((doc) => doc.digest === null || doc.digest.digestedAt < doc.meta.updatedAt)
      .slice(0, limit)
      .map((doc) => doc.meta.id)
  }

  async deleteDocument(docId: string, now: number): Promise<boolean> {
    this.assertOpen()
    if (!this.docs.delete(docId)) return false
    this.tombstones.set(docId, now)
    return true
  }

  async saveVersion(docId: string, version: NewVersion, options: SaveVersionOptions = {}): Promise<boolean> {
    this.assertOpen()
    const doc = this.docs.get(docId)
    if (!doc) throw new DocumentDeletedError(docId)
    const since = options.skipIfAutomaticSince
    if (since !== undefined && doc.versions.some((v) => v.automatic && v.createdAt >= since)) return false
    const { id, name, author, createdAt, automatic } = version
    doc.versions.push({ id, name, author, createdAt, automatic, size: version.state.length, state: version.state.slice() })
    return true
  }

  async listVersions(docId: string): Promise<VersionMeta[]> {
    this.assertOpen()
    return newestFirst(this.docs.get(docId)?.versions ?? []).map(withoutState)
  }

  async getVersion(docId: string, versionId: string): Promise<StoredVersion | null> {
    this.assertOpen()
    return this.docs.get(docId)?.versions.find((v) => v.id === versionId) ?? null
  }

  async latestVersion(docId: string): Promise<StoredVersion | null> {
    this.assertOpen()
    return newestFirst(this.docs.get(docId)?.versions ?? [])[0] ?? null
  }

  async renameVersion(docId: string, versionId: string, name: string): Promise<VersionMeta | null> {
    this.assertOpen()
    const versions = this.docs.get(docId)?.versions ?? []
    const index = versions.findIndex((v) => v.id === versionId)
    const version = versions[index]
    if (!version) return null
    const renamed = { ...version, name }
    versions[index] = renamed
    return withoutState(renamed)
  }

  async deleteVersions(docId: string, versionIds: readonly string[]): Promise<number> {
    this.assertOpen()
    const doc = this.docs.get(docId)
    if (!doc) return 0
    const doomed = new Set(versionIds)
    const before = doc.versions.length
    doc.versions = doc.versions.filter((v) => !doomed.has(v.id))
    return before - doc.versions.length
  }

  async saveFile(docId: string, file: NewFile): Promise<{ meta: FileMeta; created: boolean }> {
    this.assertOpen()
    const doc = this.docs.get(docId)
    if (!doc) throw new DocumentDeletedError(docId)
    const existing = doc.files.get(file.id)
    if (existing) return { meta: withoutData(existing), created: false }
    const stored: StoredFile = {
      id: file.id,
      type: file.type,
      declaredType: file.declaredType,
      name: file.name,
      createdAt: file.createdAt,
      size: file.data.length,
      data: file.data.slice(),
    }
    doc.files.set(file.id, stored)
    return { meta: withoutData(stored), created: true }
  }

  async getFile(docId: string, fileId: string): Promise<StoredFile | null> {
    this.assertOpen()
    return this.docs.get(docId)?.files.get(fileId) ?? null
  }

  async listFiles(docId: string): Promise<FileMeta[]> {
    this.assertOpen()
    return [...(this.docs.get(docId)?.files.values() ?? [])].map(withoutData)
  }

  async isDeleted(docId: string): Promise<boolean> {
    this.assertOpen()
    return this.tombstones.has(docId)
  }

  async ping(): Promise<void> {
    this.assertOpen()
  }

  async close(): Promise<void> {
    this.closed = true
  }

  private upsert(docId: string, now: number): MemoryDocument {
    let doc = this.docs.get(docId)
    if (!doc) {
      doc = {
        meta: { id: docId, title: '', createdAt: now, updatedAt: now },
        snapshot: null,
        updates: [],
        versions: [],
        files: new Map(),
        digest: null,
      }
      this.docs.set(docId, doc)
    }
    return doc
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('storage is closed')
  }
}
