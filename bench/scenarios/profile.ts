import fs from 'node:fs'
import path from 'node:path'
import { fmt, job, newDataDir, type Scenario, scenarioShell, type Table, withTarget } from '../lib/harness'
import type { SteadyResult } from '../load/jobs-types'
import { TARGETS } from '../targets/index'
import { ROOT } from '../targets/spawn'
import { getTandemRoot } from '../targets/tandem'
import { fanoutParams, steadyJob } from './fanout'

interface CpuProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: readonly number[]
}

interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
  readonly startTime: number
  readonly endTime: number
}

interface Hotspot {
  readonly name: string
  readonly where: string
  readonly selfMs: number
  readonly percent: number
}

function shortUrl(url: string): string {
  if (!url) return ''
  const file = url.replace(/^file:\/\//, '')
  const modules = file.lastIndexOf('/node_modules/')
  if (modules !== -1) return file.slice(modules + '/node_modules/'.length)
  for (const root of [getTandemRoot(), ROOT]) if (file.startsWith(`${root}/`)) return file.slice(root.length + 1)
  return file
}

function packageOf(url: string): string {
  const short = shortUrl(url)
  if (!url) return '(native / V8)'
  if (url.startsWith('node:')) return 'node core'
  if (short.startsWith('server/') || short.startsWith('lib/')) return short.split('/').slice(0, 2).join('/')
  const parts = short.split('/')
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
}

/**
 * Self time per function and per package/directory, from a .cpuprofile, counting only samples
 * taken within `window` (µs on CLOCK_MONOTONIC, the clock of V8's sample timestamps).
 */
export function summarizeProfile(
  profile: CpuProfile,
  window: readonly [number, number] = [-Infinity, Infinity],
  top = 25,
): { total: number; functions: Hotspot[]; packages: Hotspot[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at >= window[0] && at <= window[1]) self.set(id, (self.get(id) ?? 0) + delta)
  })
  let total = 0
  const functions = new Map<string, { name: string; where: string; us: number }>()
  const packages = new Map<string, number>()
  for (const [id, us] of self) {
    const node = byId.get(id)!
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') continue
    total += us
    const name = functionName || '(anonymous)'
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : ''
    const key = `${name}@${where}`
    const entry = functions.get(key) ?? { name, where, us: 0 }
    entry.us += us
    functions.set(key, entry)
    const pkg = ['(program)', '(garbage collector)'].includes(functionName) ? functionName : packageOf(url)
    packages.set(pkg, (packages.get(pkg) ?? 0) + us)
  }
  const toHotspot = (name: string, where: string, us: number): Hotspot => ({ name, where, selfMs: us / 1000, percent: (us / total) * 100 })
  return {
    total: total / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => toHotspot(f.name, f.where, f.us)),
    packages: [...packages]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => toHotspot(name, '', us)),
  }
}

/**
 * Where Tandem (SQLite) spends its CPU under the fan-out load: `node --cpu-prof` on the server
 * process, one fan-out run, the server stopped with SIGTERM so the profile is written, then
 * self time per function (busy time only; idle excluded).
 */
export const profile: Scenario = {
  name: 'profile',
  title: 'CPU profile of Tandem (SQLite) under the fan-out load',
  async run(ctx) {
    const params = { ...fanoutParams(ctx), windowMs: ctx.quick ? 8_000 : 15_000 }
    const spec = TARGETS['tandem-sqlite']!
    const shell = scenarioShell(this.name, this.title, params, [spec])
    const profileDir = newDataDir('cpu-profile')
    try {
      const { value } = await withTarget(
        ctx,
        spec,
        (target) =>
          job<SteadyResult>(
            ctx,
            steadyJob({ baseUrl: target.baseUrl, protocol: spec.protocol, serverPid: target.pid }, params, 8000),
            180_000,
          ),
        // Unpinned: on a pinned core V8's sampling thread waits behind the main thread and most
        // samples are lost (measured: a fifth of the CPU /proc reports, against half unpinned).
        { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], unpinned: true },
      )
      const file = fs.readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'))
      if (!file) throw new Error('the server wrote no .cpuprofile (did it exit cleanly?)')
      const raw = JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile
      fs.mkdirSync(ctx.outDir, { recursive: true })
      const kept = path.join(ctx.outDir, `tandem-fanout${ctx.quick ? '-quick' : ''}.cpuprofile`)
      fs.copyFileSync(path.join(profileDir, file), kept)
      const summary = summarizeProfile(raw, value.steps[0]!.windowMonotonicUs)
      const whole = summarizeProfile(raw)
      ctx.log(
        `    profile: ${fmt(summary.total, 0)} ms busy; top: ${summary.functions
          .slice(0, 3)
          .map((f) => `${f.name} ${fmt(f.percent, 1)}%`)
          .join(', ')}`,
      )
      return shell.finish(
        [
          {
            target: spec.name,
            rep: 0,
            ok: true,
            result: {
              deliveriesPerSec: value.steps[0]!.deliveriesPerSec,
              serverCpuSec: value.steps[0]!.serverCpuSec,
              serverSysSec: value.steps[0]!.serverSysSec,
            },
            otherLoadBefore: NaN,
          },
        ],
        [`Full profile kept at ${path.relative(ROOT, kept)} (open it in Chrome DevTools → Performance, or speedscope).`],
        { summary, wholeLifeBusyMs: whole.total, windowMs: params.windowMs, wallMs: (raw.endTime - raw.startTime) / 1000 },
      )
    } finally {
      fs.rmSync(profileDir, { recursive: true, force: true })
    }
  },
  tables(result): Table[] {
    const summary = result.data?.summary as ReturnType<typeof summarizeProfile> | undefined
    if (!summary) return []
    const measured = result.runs[0]?.result as { serverCpuSec?: number; serverSysSec?: number } | undefined
    return [
      {
        title: 'Profile: Tandem (SQLite) under fan-out, self time by package / directory',
        note:
          `${fmt(summary.total, 0)} ms of busy samples of the main thread in the ${fmt(Number(result.data?.windowMs ?? NaN) / 1000, 0)} s measurement window ` +
          '(start-up, connections and warm-up left out; idle excluded)' +
          (measured?.serverCpuSec !== undefined
            ? `, while /proc charged the process ${fmt(measured.serverCpuSec, 2)} CPU s in that window` +
              (measured.serverSysSec !== undefined
                ? ` (${fmt((measured.serverSysSec / measured.serverCpuSec) * 100, 0)}% of it in the kernel)`
                : '') +
              ': the sampler misses part of the time spent inside system calls (socket writes show as `writev`). ' +
              'Read the shares as where the main thread goes, not as the whole cost.'
            : '.') +
          " This run alone has the server unpinned (V8's sampling thread needs a core of its own) and pays the sampling overhead, so it is used for no other figure.",
        columns: ['package or directory', 'self ms', '% of busy'],
        rows: summary.packages.map((p) => [p.name, fmt(p.selfMs, 0), fmt(p.percent, 1)]),
      },
      {
        title: 'Profile: top functions by self time',
        columns: ['function', 'where', 'self ms', '% of busy'],
        rows: summary.functions.map((f) => [f.name, f.where, fmt(f.selfMs, 0), fmt(f.percent, 1)]),
      },
    ]
  },
}
