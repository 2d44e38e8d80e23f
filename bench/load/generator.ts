/**
 * The load generator: a process of its own (never the server's), started by the harness for
 * one job. It receives the job over IPC, runs it, and answers with the result. Everything it
 * sends is prepared before the timed window; receivers only read message headers.
 */

import { runColdRead, runColdWrite, runIdle, runJoinStorm, runPresence, runSeed, runSteady, setLogger } from './jobs'
import type { GeneratorMessage, Job, JobResult } from './jobs-types'

function send(message: GeneratorMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message))
      return resolve()
    }
    process.send(message, () => resolve())
  })
}

setLogger((message) => void send({ type: 'log', message }))

async function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'steady':
      return runSteady(job)
    case 'presence':
      return runPresence(job)
    case 'joinstorm':
      return runJoinStorm(job)
    case 'idle':
      return runIdle(job)
    case 'seed':
      return runSeed(job)
    case 'coldwrite':
      return runColdWrite(job)
    case 'coldread':
      return runColdRead(job)
  }
}

process.once('message', (job: Job) => {
  run(job).then(
    async (result) => {
      await send({ type: 'result', result })
      process.exit(0)
    },
    async (err: unknown) => {
      await send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) })
      process.exit(1)
    },
  )
})
