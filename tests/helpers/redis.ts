import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from './app-server'
import { makeTempDir, removeDir } from './temp-dir'
import { waitFor } from './wait'

/**
 * Whether Redis tests can run: the `redis-server` binary is on PATH (each test starts its own).
 * Without it they skip loudly, except under CI=true where that is a failure (the policy of
 * postgresAvailability in postgres.ts).
 */
export function redisAvailability(ci = process.env.CI === 'true'): boolean {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0) return true
  if (ci) throw new Error('redis-server is not on PATH and CI=true: Redis tests must run. Install redis-server (.ci/run does).')
  console.warn('\n⚠️  [redis] SKIPPING Redis tests: redis-server is not on PATH. Install redis-server.\n')
  return false
}

/** Whether a Redis answers PING at `url` right now (one connection attempt, no retries). */
export async function pingRedis(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/** A `redis-server` of the test's own, on 127.0.0.1 and a free port, with no persistence. */
export interface RedisProcess {
  readonly url: string
  readonly port: number
  /** SIGTERM, and resolves once the process has exited. */
  stop(): Promise<void>
  /** SIGKILL, and resolves once the process has exited. */
  kill(): Promise<void>
  /** Starts it again on the same port (after stop or kill), and resolves once it answers PING. */
  start(): Promise<void>
  /** Stops it (if running) and removes its directory: for afterEach/afterAll. */
  dispose(): Promise<void>
}

/** Starts a `redis-server` (never the machine's own on 6379) and waits until it answers PING. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  const dir = makeTempDir('tandem-redis-')
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let output = ''

  const start = async () => {
    if (child) throw new Error(`redis-server on port ${port} is already running`)
    output = ''
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = proc
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    let gone = false
    exited = new Promise<void>((resolve) => {
      proc.on('exit', () => {
        gone = true
        if (child === proc) child = undefined
        resolve()
      })
      proc.on('error', (err) => {
        output += String(err)
        gone = true
        if (child === proc) child = undefined
        resolve()
      })
    })
    await waitFor(
      async () => {
        if (gone) throw new Error(`redis-server on port ${port} exited before answering PING:\n${output}`)
        return pingRedis(url, 500)
      },
      `redis-server on port ${port} to answer PING`,
      10_000,
    )
  }

  const signal = async (name: NodeJS.Signals) => {
    const proc = child
    if (!proc) return
    proc.kill(name)
    await exited
  }

  await start()
  return {
    url,
    port,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start,
    async dispose() {
      await signal('SIGKILL')
      removeDir(dir)
    },
  }
}
