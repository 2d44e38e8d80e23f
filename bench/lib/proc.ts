import fs from 'node:fs'

/**
 * Readers for /proc/<pid>: what the harness knows about a server process without touching it.
 * CPU comes from /proc/<pid>/stat (utime + stime of every thread, in clock ticks of 10 ms),
 * memory from /proc/<pid>/status (VmRSS now, VmHWM the peak), bytes written from /proc/<pid>/io.
 */

const CLOCK_TICKS_PER_SECOND = 100 // getconf CLK_TCK on Linux x86-64 and arm64

/** User and system (kernel) CPU seconds the process has used so far (all threads). */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND }
}

/** User + system CPU seconds the process has used so far (all threads). */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid)
  return user + system
}

export interface MemoryStatus {
  /** Resident set size now, bytes. */
  readonly rss: number
  /** Peak resident set size since start or since the last resetPeak, bytes. */
  readonly hwm: number
}

export function memory(pid: number): MemoryStatus {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) * 1024 : NaN
  }
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

/** Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`); false if not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

export interface IoCounters {
  /** Bytes passed to write()/pwrite()/writev() — files and sockets alike. */
  readonly wchar: number
  /** Bytes the process caused to be sent to the block layer (counted when pages are dirtied). */
  readonly writeBytes: number
  readonly syscw: number
}

export function io(pid: number): IoCounters {
  const text = fs.readFileSync(`/proc/${pid}/io`, 'utf8')
  const get = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN)
  return { wchar: get('wchar'), writeBytes: get('write_bytes'), syscw: get('syscw') }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Total size of the files in a directory tree, bytes (storage footprint). */
export function directoryBytes(dir: string): number {
  let total = 0
  if (!fs.existsSync(dir)) return 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = `${dir}/${entry.name}`
    if (entry.isDirectory()) total += directoryBytes(full)
    else if (entry.isFile()) total += fs.statSync(full).size
  }
  return total
}

/**
 * CPU seconds the whole machine has spent busy (all cores, from /proc/stat: everything but idle
 * and iowait). Softirq time is included: without IRQ time accounting the kernel also charges it
 * to the process it interrupted (our loopback traffic shows up in the server's and the
 * generator's stime), so leaving it out would make "other processes" come out negative.
 */
export function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
  return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLOCK_TICKS_PER_SECOND
}

/** CPU seconds (user + system) of every live process whose command name (`/proc/<pid>/comm`) is `comm`, by PID. */
export function cpuByCommand(comm: string): Map<number, number> {
  const found = new Map<number, number>()
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue
      found.set(Number(entry), cpuSeconds(Number(entry)))
    } catch {
      // exited while we looked
    }
  }
  return found
}

/**
 * CPU of a group of processes between two readings: fixed PIDs, or every process with a command
 * name (PostgreSQL's postmaster and backends are all `postgres`). A process that started in
 * between counts whole; one that exited in between is missed (backends of a connection pool
 * live as long as the pool).
 */
export class GroupCpu {
  private before = new Map<number, number>()
  constructor(private readonly group: { readonly pids?: readonly number[]; readonly comm?: string }) {}

  private read(): Map<number, number> {
    if (this.group.comm) return cpuByCommand(this.group.comm)
    const times = new Map<number, number>()
    for (const pid of this.group.pids ?? []) {
      try {
        times.set(pid, cpuSeconds(pid))
      } catch {
        // exited
      }
    }
    return times
  }

  start(): void {
    this.before = this.read()
  }

  /** CPU seconds since start(). */
  stop(): number {
    let total = 0
    for (const [pid, seconds] of this.read()) total += seconds - (this.before.get(pid) ?? 0)
    return total
  }
}
