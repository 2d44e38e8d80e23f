import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createDatabase } from '../lib/postgres'
import { ROOT, type StartOptions, startNode, type TargetResources, type TargetSpec } from './spawn'

let tandemRoot = ROOT

/** Runs Tandem from another directory (a snapshot of one commit, see bench/lib/source.ts). */
export function setTandemRoot(root: string): void {
  tandemRoot = root
}

export function getTandemRoot(): string {
  return tandemRoot
}

/**
 * Tandem's limits are on by default and sized for browsers behind distinct addresses. Every
 * benchmark client comes from 127.0.0.1, so the per-address connection limit (100 by default)
 * would refuse the benchmark itself, and the idle scenario's 100,000 connections go past the
 * total connections and loaded documents a server takes by default: these three are raised
 * here, and only they. Auth stays off (open mode); every other check (frame size,
 * message/byte/presence rates, per-document connections, send buffers, backlog, heartbeat)
 * keeps its default.
 */
export const TANDEM_BENCH_ENV: Readonly<Record<string, string>> = {
  TANDEM_MAX_CONNECTIONS_PER_IP: '1000000',
  // The idle scenario holds up to 100,000 connections on 10,000 documents: above the defaults
  // (20,000 connections, 2,000 loaded documents), which size one server for ordinary use.
  TANDEM_MAX_CONNECTIONS: '1000000',
  TANDEM_MAX_LOADED_DOCUMENTS: '1000000',
  TANDEM_LOG_LEVEL: 'warn',
}

/**
 * The `npm run server` entry of the measured tree: its compiled output (dist/server/cli.js, built
 * first when stale by scripts/build-server.mjs, as the `preserver` hook does) for a tree that has
 * one; older commits ran the TypeScript under tsx (server/bin/cli.ts, before that server/cli.ts).
 */
export function serverEntry(root: string): string {
  if (fs.existsSync(path.join(root, 'scripts', 'build-server.mjs'))) {
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
    if (build.status !== 0) throw new Error(`scripts/build-server.mjs failed in ${root} (exit ${build.status})`)
    return 'dist/server/cli.js'
  }
  return fs.existsSync(path.join(root, 'server', 'bin', 'cli.ts')) ? 'server/bin/cli.ts' : 'server/cli.ts'
}

export type TandemStorage = 'memory' | 'sqlite' | 'postgres'

const STORAGE_LABEL: Record<TandemStorage, string> = { memory: 'memory', sqlite: 'SQLite', postgres: 'PostgreSQL' }
const STORAGE_NOTE: Record<TandemStorage, string> = {
  memory: '',
  sqlite: '; SQLite WAL, synchronous=NORMAL (the default)',
  postgres:
    '; TANDEM_DATABASE_URL = a fresh database `tandem_bench_<random>` created for each run on the local PostgreSQL (`TANDEM_BENCH_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres) and dropped after it; default pool size',
}

/** A fresh PostgreSQL database for one run: TANDEM_DATABASE_URL points at it; release drops it. */
async function postgresResources(): Promise<TargetResources> {
  const db = await createDatabase()
  return { env: { TANDEM_DATABASE_URL: db.url }, release: () => db.drop() }
}

export function tandemTarget(storage: TandemStorage): TargetSpec {
  const spec: TargetSpec = {
    name: `tandem-${storage}`,
    label: `Tandem (${STORAGE_LABEL[storage]})`,
    protocol: 'y-websocket',
    persistent: storage !== 'memory',
    tandem: true,
    description:
      `\`node dist/server/cli.js --storage ${storage}\` (what \`npm run server\` runs: the server compiled by scripts/build-server.mjs), open mode, ` +
      'defaults except TANDEM_MAX_CONNECTIONS_PER_IP, TANDEM_MAX_CONNECTIONS and TANDEM_MAX_LOADED_DOCUMENTS (1,000,000 each)' +
      STORAGE_NOTE[storage],
    prepare: storage === 'postgres' ? postgresResources : undefined,
    // Every process named postgres: the backends serving this run and the server's own workers.
    services: storage === 'postgres' ? [{ name: 'postgres', comm: 'postgres' }] : undefined,
    start: (options: StartOptions) => {
      if (storage === 'postgres' && !options.env?.TANDEM_DATABASE_URL)
        throw new Error(`${spec.name}: start it through prepare() (it needs TANDEM_DATABASE_URL)`)
      return startNode(
        spec,
        { cwd: tandemRoot, ...options },
        [serverEntry(tandemRoot), '--host', '127.0.0.1', '--port', '0', '--storage', storage, '--data-dir', options.dataDir],
        // An inherited database URL would contradict --storage sqlite/memory: only prepare() sets it.
        { ...TANDEM_BENCH_ENV, TANDEM_DATABASE_URL: undefined, TANDEM_REDIS_URL: undefined },
        /Tandem sync server on ws:\/\/127\.0\.0\.1:(\d+)/,
      )
    },
  }
  return spec
}
