import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DataDirInUseError } from '../../server/storage/data-dir-lock'
import { SqliteStorage } from '../../server/storage/sqlite'
import { connectSynced, type TestClient } from '../helpers/clients'
import { type Finished, runToExit, type ServerProcess, spawnServer } from '../helpers/server-process'
import { readStoredDoc } from '../helpers/storage-inspect'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/**
 * [D11] One server at a time writes to a data directory, checked with real server processes:
 * the second one on a directory refuses (exit 1, one line naming the first's pid) and the first
 * goes on serving; a SIGKILLed holder leaves no stale lock.
 */

const processes: ServerProcess[] = []
const clients: TestClient[] = []
const storages: SqliteStorage[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy()
  for (const storage of storages.splice(0)) await storage.close()
  for (const server of processes.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    await server.exited
  }
  for (const dir of dirs.splice(0)) removeDir(dir)
})

function tempDir(): string {
  const dir = makeTempDir('tandem-lock-')
  dirs.push(dir)
  return dir
}

async function start(dataDir: string): Promise<ServerProcess> {
  const server = await spawnServer(['--port', '0', '--data-dir', dataDir])
  processes.push(server)
  return server
}

/** Starts a server that must refuse; resolves once it has exited. */
function startRefused(dataDir: string): Promise<Finished> {
  return runToExit('cli', ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], { TANDEM_LOG_LEVEL: 'warn' }, /ws:\/\//)
}

/** The refusal, with the holder's pid; the start time is the local hh:mm. */
const refusal = (dataDir: string, pid: number | undefined, command: string) =>
  new RegExp(
    `^Data directory ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${pid} \\(${command}, started \\d\\d:\\d\\d\\)\\. ` +
      'Stop that server, or give this one another --data-dir \\(TANDEM_DATA_DIR\\)',
    'm',
  )

describe('data directory lock', () => {
  it('[D11] a second server on the same directory exits with code 1 and names the first; the first still serves', async () => {
    const dataDir = tempDir()
    const first = await start(dataDir)
    const writer = await connectSynced(first.wsUrl, 'locked-doc')
    clients.push(writer)
    writer.doc.getText('t').insert(0, 'before')

    const second = await startRefused(dataDir)
    expect(second.code).toBe(1)
    expect(second.stdout).toBe('')
    // One line, not a stack trace.
    expect(second.stderr).toMatch(refusal(dataDir, first.child.pid, 'node server/bin/cli\\.ts'))
    expect(second.stderr.trimEnd().split('\n')).toHaveLength(1)

    // The first server goes on: it answers, stores and relays.
    expect((await fetch(`${first.httpUrl}/readyz`)).status).toBe(200)
    const reader = await connectSynced(first.wsUrl, 'locked-doc')
    clients.push(reader)
    writer.doc.getText('t').insert(6, ', after')
    await waitFor(() => reader.doc.getText('t').toString() === 'before, after', 'the edit after the refusal to be relayed')
    expect(first.child.exitCode).toBeNull()
  })

  it('[D11][S2] after a SIGKILL of the holder a new server starts on the directory at once, with the data', async () => {
    const dataDir = tempDir()
    const first = await start(dataDir)
    const writer = await connectSynced(first.wsUrl, 'kept-doc')
    writer.doc.getText('t').insert(0, 'stored before the kill')
    await waitFor(async () => (await readStoredDoc(dataDir, 'kept-doc')).doc.getText('t').length > 0, 'the edit to be stored')
    writer.destroy()

    first.child.kill('SIGKILL')
    expect(await first.exited).toBe('SIGKILL')
    const second = await start(dataDir)
    const reader = await connectSynced(second.wsUrl, 'kept-doc')
    clients.push(reader)
    expect(reader.doc.getText('t').toString()).toBe('stored before the kill')

    // And the new holder is the one a third server is told about.
    const third = await startRefused(dataDir)
    expect(third.code).toBe(1)
    expect(third.stderr).toMatch(refusal(dataDir, second.child.pid, 'node server/bin/cli\\.ts'))
  })

  it('[D11] two SqliteStorage on one directory in one process: the second refuses, and its attempt does not free the lock', async () => {
    const dataDir = tempDir()
    const first = new SqliteStorage({ dataDir })
    storages.push(first)
    let refused: unknown = null
    try {
      storages.push(new SqliteStorage({ dataDir }))
    } catch (err) {
      refused = err
    }
    expect(refused).toBeInstanceOf(DataDirInUseError)
    expect((refused as DataDirInUseError).holder?.pid).toBe(process.pid)
    // POSIX drops all of a process's locks on a file when any of its descriptors of that file
    // closes: the refused attempt must not have done that. Another process is still refused.
    const other = await startRefused(dataDir)
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(refusal(dataDir, process.pid, '[^,]+'))

    // Reading never needs the lock, even while it is held.
    await first.append([{ docId: 'd', update: Y.encodeStateAsUpdate(docWith('hello')) }], 1)
    const copy = await readStoredDoc(dataDir, 'd')
    expect(copy.doc.getText('t').toString()).toBe('hello')

    // Closed, the directory is free again.
    await first.close()
    storages.push(new SqliteStorage({ dataDir }))
  })
})

function docWith(text: string): Y.Doc {
  const doc = new Y.Doc()
  doc.getText('t').insert(0, text)
  return doc
}
