import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** Where the tests create their databases: a superuser connection to any existing database. */
export const PG_ADMIN_URL = process.env.TANDEM_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Whether PostgreSQL tests can run. Without a reachable server they skip loudly, except under
 * CI=true where that is a failure (the policy of browserAvailability in browser.ts).
 */
export async function postgresAvailability(url = PG_ADMIN_URL, ci = process.env.CI === 'true'): Promise<boolean> {
  if (await reachable(url)) return true
  if (ci) {
    throw new Error(
      `PostgreSQL not reachable at ${redact(url)} and CI=true: PostgreSQL tests must run. Start one, or set TANDEM_TEST_PG_ADMIN_URL.`,
    )
  }
  console.warn(
    `\n⚠️  [postgres] SKIPPING PostgreSQL tests: nothing answers at ${redact(url)}. Start PostgreSQL or set TANDEM_TEST_PG_ADMIN_URL.\n`,
  )
  return false
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

/** A database of its own for one test file or test: created empty, dropped by `drop`. */
export interface TestDatabase {
  readonly name: string
  readonly url: string
  drop(): Promise<void>
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Creates `tandem_test_<random>`, empty (no migrations applied). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tandem_test_${randomBytes(6).toString('hex')}`
  await admin((client) => client.query(`CREATE DATABASE ${name}`))
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  }
}
