import fs from 'node:fs'
import path from 'node:path'
import { ROOT, type StartOptions, startNode, type TargetSpec } from './spawn'

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
 * would refuse the benchmark itself: it is raised here, and only it. Auth stays off (open
 * mode); every other check (frame size, message/byte/presence rates, per-document and total
 * connections, loaded documents, send buffers, backlog, heartbeat) keeps its default.
 */
export const TANDEM_BENCH_ENV: Readonly<Record<string, string>> = {
  TANDEM_MAX_CONNECTIONS_PER_IP: '100000',
  TANDEM_LOG_LEVEL: 'warn',
}

/** The `npm run server` entry of the measured tree; commits before server/bin/ kept it in server/. */
function serverEntry(root: string): string {
  return fs.existsSync(path.join(root, 'server', 'bin', 'cli.ts')) ? 'server/bin/cli.ts' : 'server/cli.ts'
}

export function tandemTarget(storage: 'memory' | 'sqlite'): TargetSpec {
  const spec: TargetSpec = {
    name: `tandem-${storage}`,
    label: `Tandem (${storage === 'sqlite' ? 'SQLite' : 'memory'})`,
    protocol: 'y-websocket',
    persistent: storage === 'sqlite',
    tandem: true,
    description:
      `\`node --import tsx server/bin/cli.ts --storage ${storage}\` (what \`npm run server\` runs), open mode, ` +
      'defaults except TANDEM_MAX_CONNECTIONS_PER_IP=100000' +
      (storage === 'sqlite' ? '; SQLite WAL, synchronous=NORMAL (the default)' : ''),
    start: (options: StartOptions) =>
      startNode(
        spec,
        { cwd: tandemRoot, ...options },
        [serverEntry(tandemRoot), '--host', '127.0.0.1', '--port', '0', '--storage', storage, '--data-dir', options.dataDir],
        { ...TANDEM_BENCH_ENV },
        /Tandem sync server on ws:\/\/127\.0\.0\.1:(\d+)/,
      ),
  }
  return spec
}
