import { spawn } from 'node:child_process'
import net from 'node:net'
import { shellArgs, track } from '../targets/spawn'

export interface RunningRedis {
  readonly pid: number
  readonly port: number
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  stop(): Promise<void>
}

/** A port the OS considers free right now (listen on 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts an own `redis-server` (never the default port 6379) on 127.0.0.1, without persistence
 * (no RDB snapshots, no AOF), optionally pinned; the PID is redis-server's (exec keeps it).
 */
export async function startRedis(options: { cpus?: string; nice?: number } = {}): Promise<RunningRedis> {
  let port = await freePort()
  if (port === 6379) port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes']
  const child = spawn('/bin/sh', shellArgs(options.cpus, ['redis-server', ...args], options.nice), { stdio: ['ignore', 'pipe', 'pipe'] })
  track(child)
  let output = ''
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000)
    const check = () => {
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', check)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited before it was ready (is it installed?):\n${output}`))
    })
  })
  return {
    pid: child.pid!,
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(killer)
      }
    },
  }
}
