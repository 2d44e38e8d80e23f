import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CpuWatch } from '../load/jobs-types'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** How clients talk to a target: y-websocket framing, Hocuspocus framing, or the bare relay. */
export type Protocol = 'y-websocket' | 'hocuspocus' | 'bare'

export interface StartOptions {
  /** A fresh (or prepared) directory the target may keep its files in. */
  readonly dataDir: string
  /** Extra arguments for node itself (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[]
  /** CPU list to pin the server to (`taskset -c`), e.g. "0"; unset runs it unpinned. */
  readonly cpus?: string
  /** Working directory the script path is relative to (default: the repository). */
  readonly cwd?: string
  /** Scheduling niceness (`nice -n`), e.g. -10 to be preempted less by other processes. */
  readonly nice?: number
  /** Extra environment for the server (scenario-specific switches). */
  readonly env?: Readonly<Record<string, string>>
}

export interface RunningTarget {
  readonly spec: TargetSpec
  /** PID of the server process itself (node, not a wrapper). */
  readonly pid: number
  readonly port: number
  /** Milliseconds from spawning the process until it printed that it listens. */
  readonly startupMs: number
  /** `ws://127.0.0.1:<port>`; documents are at `/<docId>`. */
  readonly baseUrl: string
  readonly httpUrl: string
  readonly dataDir: string
  readonly child: ChildProcess
  output(): string
  /** Resolves once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface TargetSpec {
  readonly name: string
  readonly label: string
  readonly protocol: Protocol
  /** Stores documents across a restart. */
  readonly persistent: boolean
  /** One of Tandem's own configurations (as opposed to an anchor). */
  readonly tandem: boolean
  /** How it is configured, for RESULTS.md. */
  readonly description: string
  /**
   * Prepares what the server keeps outside its data directory (e.g. a fresh PostgreSQL
   * database) before `start`; `start` gets the returned `env` (through StartOptions.env), and
   * `release` runs after the server (or, for a cluster, every server sharing it) has stopped.
   */
  prepare?(): Promise<TargetResources>
  /** Processes outside the server that work for it (PostgreSQL): their CPU is measured apart, not counted as disturbance. */
  readonly services?: readonly CpuWatch[]
  start(options: StartOptions): Promise<RunningTarget>
}

/** External resources of one target run (see TargetSpec.prepare). */
export interface TargetResources {
  /** Environment for every server started on these resources. */
  readonly env: Readonly<Record<string, string>>
  /** Removes them (idempotent); called once every server using them has exited. */
  release(): Promise<void>
}

/** Every process the harness started and that is still running: killed if the harness exits. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false

export function track(child: ChildProcess): void {
  live.add(child)
  child.once('exit', () => live.delete(child))
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const running of live) running.kill('SIGKILL')
  })
}

function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

/** File descriptors for the server: 10,000 sockets need more than the usual 1,024. */
export const NOFILE = 65_536

/**
 * `sh -c` arguments that raise the open-files limit (to NOFILE, or the hard limit when that is
 * lower), optionally set the niceness and pin to `cpus`, then exec the command: exec (and
 * nice's and taskset's own exec) keep the PID, so the PID of the child is the command's.
 */
export function shellArgs(cpus: string | undefined, command: readonly string[], nice?: number): string[] {
  const priority = nice ? `nice -n ${Math.trunc(nice)} ` : ''
  const pin = cpus ? `taskset -c ${cpus} ` : ''
  return ['-c', `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${priority}${pin}"$0" "$@"`, ...command]
}

/**
 * Starts `node [--import tsx] <nodeArgs> <args>` as its own process and waits for a line matching `ready`
 * (whose first group is the port). It runs through `sh -c 'ulimit -n …; exec node …'`: exec
 * replaces the shell, so the PID we get is node's, the server process itself.
 */
export async function startNode(
  spec: TargetSpec,
  options: StartOptions,
  /** Script and its arguments; a `.ts` script runs under tsx (`node --import tsx`), as `npm run server` does. */
  args: readonly string[],
  /** Variables for the server; `undefined` removes one inherited from the harness. */
  env: Record<string, string | undefined>,
  ready: RegExp,
): Promise<RunningTarget> {
  const loader = args[0]?.endsWith('.ts') ? ['--import', 'tsx'] : []
  const nodeArgs = [...loader, ...(options.nodeArgs ?? []), ...args]
  const spawnedAt = performance.now()
  const child = spawn('/bin/sh', shellArgs(options.cpus, [process.execPath, ...nodeArgs], options.nice), {
    cwd: options.cwd ?? ROOT,
    env: childEnv({ ...env, ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  track(child)
  let output = ''
  const append = (chunk: Buffer) => {
    output += chunk.toString()
    if (output.length > 200_000) output = output.slice(-100_000)
  }
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${spec.name} did not start within 30 s:\n${output}`)), 30_000)
    const check = () => {
      const match = ready.exec(output)
      if (match) {
        clearTimeout(timer)
        child.stdout!.off('data', check)
        resolve(Number(match[1]))
      }
    }
    child.stdout!.on('data', check)
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`${spec.name} exited (${code ?? signal}) before listening:\n${output}`))
    })
  })
  const pid = child.pid!
  return {
    spec,
    pid,
    port,
    startupMs: performance.now() - spawnedAt,
    baseUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    dataDir: options.dataDir,
    child,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        const result = await exited
        clearTimeout(killer)
        return result
      }
      return exited
    },
  }
}
