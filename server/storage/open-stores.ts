import type { Config } from '../config'
import { MemoryStorage } from './memory'
import { MemoryRevocationStore } from './memory-revocation-store'
import type { RevocationStore } from './revocation-store'
import { SqliteStorage } from './sqlite'
import { SqliteRevocationStore } from './sqlite-revocation-store'
import type { Storage } from './storage'

/** The stores of one backend. Closing `storage` closes whatever they share (the SQLite file, the PostgreSQL pool). */
export interface Stores {
  readonly storage: Storage
  readonly revocations: RevocationStore
}

export type StoreSettings = Pick<Config, 'storage' | 'dataDir' | 'sqliteSynchronous' | 'databaseUrl' | 'databasePoolSize'>

/**
 * Opens the backend `config.storage` names: documents and revocations side by side. Async
 * because PostgreSQL connects and applies its migrations first; a database that does not answer
 * rejects here, before the server listens.
 */
export async function openStores(config: StoreSettings, options: { onIdleError?: (err: Error) => void } = {}): Promise<Stores> {
  switch (config.storage) {
    case 'memory':
      return { storage: new MemoryStorage(), revocations: new MemoryRevocationStore() }
    case 'sqlite': {
      const storage = new SqliteStorage({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous })
      return { storage, revocations: new SqliteRevocationStore(storage.connection) }
    }
    case 'postgres': {
      if (!config.databaseUrl) throw new Error('postgres storage needs a database URL')
      // Loaded only here: `pg` and the migrations are not part of a SQLite or memory server's start.
      const [{ PostgresStorage }, { PostgresRevocationStore }] = await Promise.all([
        import('./postgres'),
        import('./postgres-revocation-store'),
      ])
      const storage = await PostgresStorage.open({
        connectionString: config.databaseUrl,
        poolSize: config.databasePoolSize,
        ...(options.onIdleError ? { onIdleError: options.onIdleError } : {}),
      })
      return { storage, revocations: new PostgresRevocationStore(storage.pool) }
    }
  }
}
