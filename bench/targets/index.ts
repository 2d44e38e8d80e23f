import bareWs from './bare-ws'
import hocuspocus from './hocuspocus'
import hocuspocusSqlite from './hocuspocus-sqlite'
import reference from './reference'
import referenceLeveldb from './reference-leveldb'
import type { TargetSpec } from './spawn'
import tandemMemory from './tandem-memory'
import tandemPostgres from './tandem-postgres'
import tandemSqlite from './tandem-sqlite'

export const TARGETS: Readonly<Record<string, TargetSpec>> = {
  'tandem-sqlite': tandemSqlite,
  'tandem-memory': tandemMemory,
  'tandem-postgres': tandemPostgres,
  hocuspocus,
  'hocuspocus-sqlite': hocuspocusSqlite,
  reference,
  'reference-leveldb': referenceLeveldb,
  'bare-ws': bareWs,
}

export type { Protocol, RunningTarget, TargetResources, TargetSpec } from './spawn'
