import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'

/**
 * One writer per data directory. Two servers on one directory would each keep their own
 * in-memory documents and never see the other's edits while both write to one SQLite file, so
 * the second one must refuse to start.
 *
 * The lock is SQLite's own file lock (fcntl on POSIX, LockFileEx on Windows) on `tandem.lock`,
 * taken by an exclusive transaction that stays open for the life of the holder. The OS drops
 * such a lock when the process dies, however it dies, so a SIGKILLed server never leaves a
 * stale lock behind and a restart on the same directory succeeds at once. A pid file alone
 * could not give that: after a crash its pid may belong to an unrelated process.
 *
 * Who holds the lock is written beside it, in `tandem.pid`, only for the refusal message: the
 * lock file cannot be read while it is held. That file is trusted only while the lock is held
 * and its process is alive.
 */

const LOCK_FILE = 'tandem.lock'
const HOLDER_FILE = 'tandem.pid'

export interface LockHolder {
  readonly pid: number
  /** How the holder was started, e.g. "npm start" or "node server/bin/cli.ts". */
  readonly command: string
  /** Epoch milliseconds. */
  readonly startedAt: number
  readonly hostname: string
}

/** Another process holds the data directory; the message says which and what to do. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'

  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    const by = holder ? `process ${holder.pid} (${describeHolder(holder)})` : 'another process'
    super(
      `Data directory ${dataDir} is in use by ${by}. Stop that server, or give this one another ` +
        `--data-dir (TANDEM_DATA_DIR): two servers on one directory would not see each other's edits.`,
    )
  }
}

export class DataDirLock {
  private released = false

  private constructor(
    private readonly db: Database.Database,
    private readonly holderFile: string,
  ) {}

  /** Takes the lock on an existing directory, or throws DataDirInUseError if it is held. */
  static acquire(dataDir: string): DataDirLock {
    // timeout 0: a held lock is an answer, not something to wait for.
    const db = new Database(path.join(dataDir, LOCK_FILE), { timeout: 0 })
    try {
      // No journal file: the transaction never writes, and a killed holder leaves nothing behind.
      db.pragma('journal_mode = MEMORY')
      db.pragma('locking_mode = EXCLUSIVE')
      db.exec('BEGIN EXCLUSIVE')
    } catch (err) {
      db.close()
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUseError(dataDir, readHolder(dataDir))
      throw err
    }
    const holderFile = path.join(dataDir, HOLDER_FILE)
    try {
      writeHolder(holderFile, thisProcess())
    } catch (err) {
      db.close()
      throw err
    }
    return new DataDirLock(db, holderFile)
  }

  /** Releases the lock; the holder file goes first, while no one else can have rewritten it. */
  release(): void {
    if (this.released) return
    this.released = true
    fs.rmSync(this.holderFile, { force: true })
    this.db.close()
  }
}

function thisProcess(): LockHolder {
  // When the process started, which is what "started 10:02" in a refusal means to a reader.
  const startedAt = Math.round(Date.now() - process.uptime() * 1000)
  return { pid: process.pid, command: commandOf(process), startedAt, hostname: os.hostname() }
}

/**
 * "npm start" when npm started this very script (npm passes its script's name down to every
 * child, so the name alone could be a parent's), otherwise the script that node runs.
 */
function commandOf(proc: NodeJS.Process): string {
  const entry = proc.argv[1] ?? ''
  const relative = path.relative(proc.cwd(), entry)
  const script = !entry || relative.startsWith('..') || path.isAbsolute(relative) ? entry : relative
  const event = proc.env.npm_lifecycle_event
  if (event && script && proc.env.npm_lifecycle_script?.includes(script)) return event === 'start' ? 'npm start' : `npm run ${event}`
  return script ? `node ${script}` : 'node'
}

/** Written to a temporary file and renamed, so a reader never sees half of it. */
function writeHolder(file: string, holder: LockHolder): void {
  const temporary = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temporary, `${JSON.stringify(holder)}\n`)
  fs.renameSync(temporary, file)
}

/** The holder's details, or null when they are missing, unreadable or stale (a dead pid). */
function readHolder(dataDir: string): LockHolder | null {
  let holder: Partial<LockHolder>
  try {
    holder = JSON.parse(fs.readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8')) as Partial<LockHolder>
  } catch {
    return null
  }
  const { pid, command, startedAt, hostname } = holder
  if (typeof pid !== 'number' || typeof command !== 'string' || typeof startedAt !== 'number' || typeof hostname !== 'string') return null
  // A file left by a holder that died, read before the new holder replaced it.
  if (hostname === os.hostname() && !isAlive(pid)) return null
  return { pid, command, startedAt, hostname }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as { code?: string }).code === 'EPERM'
  }
}

function describeHolder(holder: LockHolder): string {
  const started = new Date(holder.startedAt)
  const time = started.toTimeString().slice(0, 5)
  const sameDay = started.toDateString() === new Date().toDateString()
  const when = sameDay ? time : `${started.getFullYear()}-${pad(started.getMonth() + 1)}-${pad(started.getDate())} ${time}`
  const where = holder.hostname === os.hostname() ? '' : ` on ${holder.hostname}`
  return `${holder.command}, started ${when}${where}`
}

const pad = (n: number) => String(n).padStart(2, '0')
