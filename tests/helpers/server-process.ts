import { type ChildProcess, spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// `node --import <tsx loader>` runs the server as ONE process, like `npm run server` does; tsx's
// CLI would start it as a grandchild, and a SIGKILL would then hit only the wrapper.
const tsxLoader = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')

export interface ServerProcess {
  readonly child: ChildProcess
  readonly port: number
  readonly wsUrl: string
  readonly httpUrl: string
  /** Everything the process printed (stdout and stderr). */
  output(): string
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>
}

/**
 * Runs the sync server (server/bin/cli.ts) as its own OS process (node with tsx's loader, not
 * through npm, so the PID we signal is the server's) and waits for it to print its address.
 */
export function spawnServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  return spawnListening(['--import', tsxLoader, path.join(root, 'server', 'bin', 'cli.ts')], args, env)
}

/**
 * Runs what `npm run server` runs — the compiled server, `node dist/server/cli.js` (build it
 * first: scripts/build-server.mjs) — as its own OS process, and waits for it to print its address.
 */
export function spawnCompiledServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  return spawnListening([path.join(root, 'dist', 'server', 'cli.js')], args, env)
}

async function spawnListening(entry: string[], args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...entry, '--host', '127.0.0.1', ...args], {
    cwd: root,
    env: { ...process.env, TANDEM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000)
    const onData = () => {
      const match = /ws:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    }
    child.stdout?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code}) before listening:\n${output}`))
    })
  })
  return {
    child,
    port,
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
  }
}

export interface Finished {
  /** The exit code, or the signal's name. */
  readonly code: number | string
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs an entry point (`server/bin/<name>.ts`, e.g. `token-cli`) with node and tsx's loader, as
 * its npm script does, and resolves once it has exited. A process whose stdout matches
 * `killWhen` (a server that started when it should have refused) is SIGKILLed, so it ends too.
 */
export function runToExit(name: string, args: string[], env: Record<string, string> = {}, killWhen?: RegExp): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', tsxLoader, path.join(root, 'server', 'bin', `${name}.ts`), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (killWhen?.test(stdout)) child.kill('SIGKILL')
  })
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    // 'close', not 'exit': by then both pipes are drained.
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', stdout, stderr }))
  })
}
