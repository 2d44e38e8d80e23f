import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { connectSynced, type TestClient } from '../helpers/clients'
import { createTestDatabase, postgresAvailability, type TestDatabase } from '../helpers/postgres'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/** The real server on PostgreSQL (TANDEM_DATABASE_URL), with stock y-websocket clients. */
const available = await postgresAvailability()

describe.runIf(available)('server on PostgreSQL', () => {
  const servers: RunningServer[] = []
  const clients: TestClient[] = []
  const databases: TestDatabase[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy()
    for (const server of servers.splice(0)) {
      await server.stop()
      removeDir(server.dataDir)
    }
    for (const database of databases.splice(0)) await database.drop()
  })

  const start = async (databaseUrl: string) => {
    const server = await startServer({ databaseUrl })
    servers.push(server)
    return server
  }

  it('stores what clients write, and a restarted server on the same database serves it', async () => {
    const database = await createTestDatabase()
    databases.push(database)
    const first = await start(database.url)
    expect(first.server.config.storage).toBe('postgres')
    const a = await connectSynced(first.wsUrl, 'pg-doc')
    clients.push(a)
    a.doc.getText('t').insert(0, 'kept in PostgreSQL')
    const late = await connectSynced(first.wsUrl, 'pg-doc')
    clients.push(late)
    await waitFor(() => late.doc.getText('t').toString() === 'kept in PostgreSQL', 'the late client to see the text')
    for (const client of clients.splice(0)) client.destroy()
    await first.stop()
    servers.splice(servers.indexOf(first), 1)
    removeDir(first.dataDir)

    const second = await start(database.url)
    const b = await connectSynced(second.wsUrl, 'pg-doc')
    clients.push(b)
    expect(b.doc.getText('t').toString()).toBe('kept in PostgreSQL')
    const listed = (await (await fetch(`${second.httpUrl}/api/docs`)).json()) as unknown
    expect(JSON.stringify(listed)).toContain('pg-doc')
  })

  it('a backup taken with pg_dump and restored with pg_restore into a new database serves the same text', async () => {
    const source = await createTestDatabase()
    const restored = await createTestDatabase()
    databases.push(source, restored)
    const first = await start(source.url)
    const writer = await connectSynced(first.wsUrl, 'backed-up')
    clients.push(writer)
    writer.doc.getText('t').insert(0, 'worth a backup')
    const reader = await connectSynced(first.wsUrl, 'backed-up')
    clients.push(reader)
    await waitFor(() => reader.doc.getText('t').toString() === 'worth a backup', 'the text to be stored and relayed')

    // The README's commands, as an operator runs them (the server may keep running meanwhile).
    const dir = makeTempDir('tandem-pg-backup-')
    const dump = path.join(dir, 'tandem.dump')
    try {
      execFileSync('pg_dump', ['--format=custom', `--file=${dump}`, `--dbname=${source.url}`], { stdio: 'pipe' })
      execFileSync('pg_restore', ['--no-owner', `--dbname=${restored.url}`, dump], { stdio: 'pipe' })
    } finally {
      removeDir(dir)
    }

    const second = await start(restored.url)
    const late = await connectSynced(second.wsUrl, 'backed-up')
    clients.push(late)
    expect(late.doc.getText('t').toString()).toBe('worth a backup')
  })

  it('[O2][D14] /readyz is 503 once PostgreSQL is unreachable', async () => {
    const database = await createTestDatabase()
    databases.push(database)
    const server = await start(database.url)
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200)
    await database.drop()
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(503)
  })
})
