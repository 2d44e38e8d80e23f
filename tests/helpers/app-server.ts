import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')
const nextCli = path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next')
const buildIdFile = path.join(root, '.next', 'BUILD_ID')

export interface AppServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly child: ChildProcess
  output(): string
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and removes the data unless kept. */
  stop(options?: { keepData?: boolean }): Promise<void>
}

/** Build output of the tandem-editor package (lib/dist): not a source of the app. */
const NOT_SOURCES = new Set([path.join(root, 'lib', 'dist'), path.join(root, 'lib', 'node_modules')])

function newestMtime(dir: string): number {
  let newest = 0
  if (!fs.existsSync(dir)) return newest
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (NOT_SOURCES.has(full)) continue
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full))
    else newest = Math.max(newest, fs.statSync(full).mtimeMs)
  }
  return newest
}

function buildIsFresh(): boolean {
  const builtAt = fs.existsSync(buildIdFile) ? fs.statSync(buildIdFile).mtimeMs : 0
  const sources = Math.max(newestMtime(path.join(root, 'app')), newestMtime(path.join(root, 'lib')))
  return builtAt > sources
}

const BUILD_LOCK = path.join(root, '.next-build.lock')
const STALE_LOCK_MS = 5 * 60_000

/**
 * Builds the Next app when there is no build, or when app/ or lib/ changed after the last one
 * (server/bin/main.ts only checks that a build exists, which would test stale pages). Test files
 * run in parallel processes: a lock directory (mkdir is atomic) lets one build while the
 * others wait and then find the build fresh.
 */
export async function ensureFreshBuild(): Promise<void> {
  for (;;) {
    if (buildIsFresh()) return
    try {
      fs.mkdirSync(BUILD_LOCK)
    } catch {
      const age = fs.existsSync(BUILD_LOCK) ? Date.now() - fs.statSync(BUILD_LOCK).mtimeMs : 0
      if (age > STALE_LOCK_MS) fs.rmSync(BUILD_LOCK, { recursive: true, force: true })
      await new Promise((resolve) => setTimeout(resolve, 500))
      continue
    }
    try {
      if (buildIsFresh()) return
      const started = Date.now()
      const result = spawnSync(process.execPath, [nextCli, 'build'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      })
      if (result.status !== 0) throw new Error(`next build failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
      console.log(`[e2e] next build took ${((Date.now() - started) / 1000).toFixed(1)} s`)
      return
    } finally {
      fs.rmSync(BUILD_LOCK, { recursive: true, force: true })
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before answering /healthz:\n${output()}`)
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  throw new Error(`server did not answer /healthz within ${timeoutMs} ms:\n${output()}`)
}

/**
 * Runs the real `npm start` entry (server/bin/main.ts) as its own process (node + tsx, so the PID
 * is the server's) on a free port with a temporary data directory.
 */
export async function startAppServer(options: { port?: number; dataDir?: string; env?: Record<string, string> } = {}): Promise<AppServer> {
  await ensureFreshBuild()
  const port = options.port ?? (await freePort())
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-')))
  const env = options.env ?? {}
  const child = spawn(process.execPath, [tsxCli, path.join(root, 'server', 'bin', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      TANDEM_HOST: '127.0.0.1',
      TANDEM_DATA_DIR: dataDir,
      TANDEM_LOG_LEVEL: 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForHealth(url, child, () => output, 90_000)
  } catch (error) {
    child.kill('SIGKILL')
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true })
    throw error
  }
  return {
    url,
    port,
    dataDir,
    child,
    output: () => output,
    async stop(stopOptions = {}) {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(killer)
      }
      if (!stopOptions.keepData) await rm(dataDir, { recursive: true, force: true })
    },
  }
}
