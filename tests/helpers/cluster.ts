import { type ServerProcess, spawnServer } from './server-process'
import { makeTempDir, removeDir } from './temp-dir'

export interface ClusterOptions {
  /** How many server processes. */
  readonly size: number
  /** TANDEM_DATABASE_URL of every instance; omitted, each one keeps SQLite in its own data dir. */
  readonly databaseUrl?: string
  /** TANDEM_REDIS_URL of every instance; omitted, the instances relay nothing to each other. */
  readonly redisUrl?: string
  /** More environment for every instance (it wins over the two above). */
  readonly env?: Record<string, string>
  /** More command-line arguments for every instance. */
  readonly args?: readonly string[]
}

export interface Cluster {
  /** The running processes, by index; restart(i) replaces instances[i] in place. */
  readonly instances: ServerProcess[]
  /** SIGKILL instance i and resolve once it has exited. */
  kill(i: number): Promise<void>
  /** SIGTERM instance i (a graceful shutdown) and resolve once it has exited. */
  stop(i: number): Promise<void>
  /** Starts instance i again (after kill or stop) on the same data dir; its port may differ. */
  restart(i: number): Promise<ServerProcess>
  /** Starts one more server in the cluster (the last of `instances`). */
  add(): Promise<ServerProcess>
  /** SIGTERM every running instance (SIGKILL after 10 s), wait for all, remove the data dirs. */
  stopAll(): Promise<void>
}

/**
 * `size` real server processes (spawnServer: `server/bin/cli.ts`, port 0, 127.0.0.1), each with
 * its own --data-dir temp dir and, when given, the shared TANDEM_DATABASE_URL and TANDEM_REDIS_URL.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const env: Record<string, string> = {
    ...(options.databaseUrl ? { TANDEM_DATABASE_URL: options.databaseUrl } : {}),
    ...(options.redisUrl ? { TANDEM_REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  }
  const dataDirs = Array.from({ length: options.size }, () => makeTempDir('tandem-cluster-'))
  const spawnOne = (i: number) => spawnServer(['--port', '0', '--data-dir', dataDirs[i]!, ...(options.args ?? [])], env)
  const instances: ServerProcess[] = []

  const running = (server: ServerProcess) => server.child.exitCode === null && server.child.signalCode === null
  const at = (i: number) => {
    const server = instances[i]
    if (!server) throw new Error(`no instance ${i} (cluster of ${instances.length})`)
    return server
  }
  const signal = async (i: number, name: NodeJS.Signals) => {
    const server = at(i)
    if (running(server)) server.child.kill(name)
    await server.exited
  }
  const stopAll = async () => {
    await Promise.all(
      instances.map(async (server) => {
        if (!running(server)) return
        server.child.kill('SIGTERM')
        const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000)
        await server.exited
        clearTimeout(timer)
      }),
    )
    for (const dir of dataDirs) removeDir(dir)
  }

  try {
    // One at a time: each start compiles the server with tsx, and the machine may be small.
    for (let i = 0; i < options.size; i++) instances.push(await spawnOne(i))
  } catch (err) {
    await stopAll()
    throw err
  }

  return {
    instances,
    kill: (i) => signal(i, 'SIGKILL'),
    stop: (i) => signal(i, 'SIGTERM'),
    async restart(i) {
      if (running(at(i))) throw new Error(`instance ${i} is still running: kill(${i}) or stop(${i}) it first`)
      const server = await spawnOne(i)
      instances[i] = server
      return server
    },
    async add() {
      dataDirs.push(makeTempDir('tandem-cluster-'))
      const server = await spawnOne(dataDirs.length - 1)
      instances.push(server)
      return server
    },
    stopAll,
  }
}
