import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * The PostgreSQL server the benchmark creates its databases on (a superuser connection to an
 * existing database); `TANDEM_BENCH_PG_URL` overrides the local default.
 */
export const BENCH_PG_URL = process.env.TANDEM_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function psql(sql: string): Promise<void> {
  try {
    await run('psql', [BENCH_PG_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { timeout: 30_000 })
  } catch (err) {
    const e = err as Error & { stderr?: string }
    throw new Error(`psql ${BENCH_PG_URL} -c "${sql}" failed (is PostgreSQL running and psql installed?): ${e.stderr || e.message}`)
  }
}

export interface BenchDatabase {
  readonly name: string
  /** Connection URL of the new database (same server and credentials as BENCH_PG_URL). */
  readonly url: string
  /** Drops it, disconnecting whoever is still connected; idempotent. */
  drop(): Promise<void>
}

/** Databases this process created and has not dropped yet: dropped (best effort) on exit. */
const live = new Set<string>()
let exitHookInstalled = false

function dropLeftoversOnExit(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const name of live) {
      try {
        execFileSync('psql', [BENCH_PG_URL, '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], {
          timeout: 10_000,
          stdio: 'ignore',
        })
      } catch {
        // best effort: the database stays behind, named tandem_bench_*
      }
    }
  })
}

/** Creates a fresh, empty database `tandem_bench_<random>`. */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `tandem_bench_${randomBytes(6).toString('hex')}`
  await psql(`CREATE DATABASE ${name}`)
  live.add(name)
  dropLeftoversOnExit()
  const url = new URL(BENCH_PG_URL)
  url.pathname = `/${name}`
  let dropped = false
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return
      dropped = true
      await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      live.delete(name)
    },
  }
}
