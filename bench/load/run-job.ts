import { spawn } from 'node:child_process'
import path from 'node:path'
import { ROOT, shellArgs, track } from '../targets/spawn'
import type { GeneratorMessage, Job, JobResult } from './jobs-types'

export interface JobOutcome<R extends JobResult> {
  readonly result: R
  /** PID of the generator process (for the record). */
  readonly pid: number
}

/**
 * Runs one job in a fresh load-generator process (node + tsx, its own PID, more file
 * descriptors, optionally pinned to `cpus`) and returns its result; kills it if it exceeds
 * `timeoutMs`.
 */
export function runJob<R extends JobResult>(
  job: Job,
  options: { timeoutMs: number; cpus?: string; nice?: number; onLog?: (line: string) => void },
): Promise<JobOutcome<R>> {
  const { timeoutMs, onLog = () => {} } = options
  const script = path.join(ROOT, 'bench', 'load', 'generator.ts')
  const child = spawn('/bin/sh', shellArgs(options.cpus, [process.execPath, '--import', 'tsx', script], options.nice), {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  track(child)
  return new Promise((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      finish(new Error(`load generator exceeded ${Math.round(timeoutMs / 1000)} s (job ${job.kind}); killed`))
      child.kill('SIGKILL')
    }, timeoutMs)
    const finish = (err: Error | null, result?: R) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) reject(err)
      else resolve({ result: result!, pid: child.pid! })
    }
    child.on('message', (message: GeneratorMessage) => {
      if (message.type === 'log') onLog(message.message)
      else if (message.type === 'result') finish(null, message.result as R)
      else finish(new Error(`load generator failed: ${message.message}`))
    })
    child.on('exit', (code, signal) => finish(new Error(`load generator exited (${code ?? signal}) without a result`)))
    child.on('error', (err) => finish(err))
    child.send(job)
  })
}
