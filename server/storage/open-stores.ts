import type { Config } from '../config'
import { MemoryStorage } from './memory'
import { MemoryRevocationStore } from './memory-revocation-store'
import type { RevocationStore } from './revocation-store'
import { SqliteStorage } from './sqlite'
import { SqliteRevocationStore } from './sqlite-revocation-store'
import type { Storage } from './storage'

/** The stores of one backend. Closing `storage` closes whatever they share (the SQLite file). */
export interface Stores {
  readonly storage: Storage
  readonly revocations: RevocationStore
}

/** Opens the backend `config.storage` names: documents and revocations side by side. */
export function openStores(config: Pick<Config, 'storage' | 'dataDir' | 'sqliteSynchronous'>): Stores {
  switch (config.storage) {
    case 'memory':
      return { storage: new MemoryStorage(), revocations: new MemoryRevocationStore() }
    case 'sqlite': {
      const storage = new SqliteStorage({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous })
      return { storage, revocations: new SqliteRevocationStore(storage.connection) }
    }
  }
}
