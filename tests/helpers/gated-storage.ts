import type {
  CompactionResult,
  DocumentDigest,
  EnsureOptions,
  MergeUpdates,
  NewFile,
  NewVersion,
  PendingUpdate,
  SaveVersionOptions,
  Storage,
  StoredDocument,
} from '../../server/storage/storage'

/**
 * A real storage backend with controllable timing and faults: it forwards to the backend it
 * wraps, but can hold appends or loads until released and can fail the next N appends. Used
 * to observe the server while a commit or a load is in flight.
 */
export class GatedStorage implements Storage {
  appendGate: Promise<void> | null = null
  loadGate: Promise<void> | null = null
  compactGate: Promise<void> | null = null
  versionGate: Promise<void> | null = null
  versionSaveCalls = 0
  failNextAppends = 0
  /** When set, ping() rejects with it (readiness tests). */
  pingError: Error | null = null
  loads = 0
  appendCalls = 0
  compactCalls = 0

  constructor(readonly inner: Storage) {}

  /** Holds appends until the returned function is called. */
  holdAppends(): () => void {
    let release!: () => void
    this.appendGate = new Promise((resolve) => (release = resolve))
    return () => {
      this.appendGate = null
      release()
    }
  }

  holdLoads(): () => void {
    let release!: () => void
    this.loadGate = new Promise((resolve) => (release = resolve))
    return () => {
      this.loadGate = null
      release()
    }
  }

  /** Holds compactions (after they were called) until the returned function is called. */
  holdCompactions(): () => void {
    let release!: () => void
    this.compactGate = new Promise((resolve) => (release = resolve))
    return () => {
      this.compactGate = null
      release()
    }
  }

  /** Holds version saves (after they were called) until the returned function is called. */
  holdVersionSaves(): () => void {
    let release!: () => void
    this.versionGate = new Promise((resolve) => (release = resolve))
    return () => {
      this.versionGate = null
      release()
    }
  }

  async append(batch: readonly PendingUpdate[], now: number): Promise<void> {
    this.appendCalls++
    if (this.appendGate) await this.appendGate
    if (this.failNextAppends > 0) {
      this.failNextAppends--
      throw new Error('disk unavailable (injected)')
    }
    return this.inner.append(batch, now)
  }

  async load(docId: string): Promise<StoredDocument> {
    this.loads++
    if (this.loadGate) await this.loadGate
    return this.inner.load(docId)
  }

  async compact(docId: string, merge: MergeUpdates): Promise<CompactionResult> {
    this.compactCalls++
    if (this.compactGate) await this.compactGate
    return this.inner.compact(docId, merge)
  }
  ensureDocument(docId: string, now: number, options?: EnsureOptions) {
    return this.inner.ensureDocument(docId, now, options)
  }
  getDocument(docId: string) {
    return this.inner.getDocument(docId)
  }
  listDocuments() {
    return this.inner.listDocuments()
  }
  searchDocuments(terms: readonly string[]) {
    return this.inner.searchDocuments(terms)
  }
  documentTexts(docIds: readonly string[]) {
    return this.inner.documentTexts(docIds)
  }
  saveDigest(docId: string, digest: DocumentDigest, now: number) {
    return this.inner.saveDigest(docId, digest, now)
  }
  staleDigests(limit: number) {
    return this.inner.staleDigests(limit)
  }
  deleteDocument(docId: string, now: number) {
    return this.inner.deleteDocument(docId, now)
  }
  async saveVersion(docId: string, version: NewVersion, options?: SaveVersionOptions) {
    this.versionSaveCalls++
    if (this.versionGate) await this.versionGate
    return this.inner.saveVersion(docId, version, options)
  }
  listVersions(docId: string) {
    return this.inner.listVersions(docId)
  }
  getVersion(docId: string, versionId: string) {
    return this.inner.getVersion(docId, versionId)
  }
  latestVersion(docId: string) {
    return this.inner.latestVersion(docId)
  }
  renameVersion(docId: string, versionId: string, name: string) {
    return this.inner.renameVersion(docId, versionId, name)
  }
  saveFile(docId: string, file: NewFile) {
    return this.inner.saveFile(docId, file)
  }
  getFile(docId: string, fileId: string) {
    return this.inner.getFile(docId, fileId)
  }
  listFiles(docId: string) {
    return this.inner.listFiles(docId)
  }
  deleteVersions(docId: string, versionIds: readonly string[]) {
    return this.inner.deleteVersions(docId, versionIds)
  }
  isDeleted(docId: string) {
    return this.inner.isDeleted(docId)
  }
  ping() {
    return this.pingError ? Promise.reject(this.pingError) : this.inner.ping()
  }
  close() {
    return this.inner.close()
  }
}
