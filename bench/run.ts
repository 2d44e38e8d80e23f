/**
 * `npm run bench` — runs every scenario against every target and writes bench/out/<stamp>.json
 * and bench/RESULTS.md. Options:
 *
 *   --quick               fewer repetitions, shorter windows (a few minutes); writes bench/out/RESULTS-quick.md
 *   --scenario <names>    only these scenarios (comma-separated or repeated); writes bench/out/RESULTS-partial.md
 *   --targets <names>     only these targets
 *   --reps <n>            repetitions for every scenario
 *   --tandem-ref <ref>    measure Tandem as committed at this git ref (a snapshot in a temporary
 *                         directory) instead of the working tree
 *   --no-pin              do not pin the server and the generator to separate cores
 *   --nice <n>            run servers and generators at this niceness (e.g. -10 on a shared
 *                         machine, so other processes disturb the measurements less; needs root)
 *   --results <file>      write the Markdown here instead
 *
 * Charts (SVG) go to bench/charts/ for a full run, which also appends to bench/history.json;
 * other runs write them to bench/out/charts-<mode>/.
 *   --list                list scenarios and targets
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { appendHistory, headlineFigures, historyEntry, readHistory, writeCharts } from './charts'
import type { BenchContext, ScenarioResult } from './lib/harness'
import { tandemSource } from './lib/source'
import { type BenchResults, renderResults } from './report'
import { SCENARIOS, scenarioByName } from './scenarios/index'
import { TARGETS } from './targets/index'
import { ROOT } from './targets/spawn'
import { setTandemRoot, TANDEM_BENCH_ENV } from './targets/tandem'

interface Options {
  quick: boolean
  scenarios: string[] | null
  targets: string[] | null
  reps?: number
  pin: boolean
  results?: string
  tandemRef?: string
  nice: number
  list: boolean
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { quick: false, scenarios: null, targets: null, pin: true, nice: 0, list: false }
  const list = (value: string | undefined, flag: string) => {
    if (!value) throw new Error(`${flag} needs a value`)
    return value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case '--quick':
        options.quick = true
        break
      case '--scenario':
      case '--scenarios':
        options.scenarios = [...(options.scenarios ?? []), ...list(value(), flag)]
        break
      case '--target':
      case '--targets':
        options.targets = [...(options.targets ?? []), ...list(value(), flag)]
        break
      case '--reps':
        options.reps = Number(value())
        if (!Number.isInteger(options.reps) || options.reps < 1) throw new Error('--reps needs a positive integer')
        break
      case '--no-pin':
        options.pin = false
        break
      case '--results':
        options.results = value()
        break
      case '--tandem-ref':
        options.tandemRef = value()
        break
      case '--nice':
        options.nice = Number(value())
        if (!Number.isInteger(options.nice) || options.nice < -20 || options.nice > 19)
          throw new Error('--nice needs an integer from -20 to 19')
        break
      case '--list':
        options.list = true
        break
      default:
        throw new Error(`unknown option ${arg} (see the top of bench/run.ts)`)
    }
  }
  for (const name of options.scenarios ?? [])
    if (!scenarioByName(name)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`)
  for (const name of options.targets ?? [])
    if (!TARGETS[name]) throw new Error(`unknown target ${name}; known: ${Object.keys(TARGETS).join(', ')}`)
  return options
}

function machine(): BenchResults['machine'] {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8')
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    kernel: os.release(),
    loadAverageAtStart: os.loadavg(),
  }
}

function git(): BenchResults['git'] {
  const run = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
    } catch {
      return ''
    }
  }
  const dirty = run(['status', '--porcelain', '--', 'server', 'lib'])
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
  return { commit: run(['rev-parse', 'HEAD']) || 'unknown', dirty }
}

/** Scenarios that start no peer server (bench/node_modules is not needed for them). */
const TANDEM_ONLY_SCENARIOS = new Set(['browser', 'mount', 'bundle'])

const SETUP = [
  `Tandem runs as \`npm run server\` does — \`node dist/server/cli.js\`, the server compiled by scripts/build-server.mjs (built before the run when stale) — started directly (not through npm, which would put a wrapper process in front), so the PID measured is the server's. Open mode (no auth); every limit keeps its default except ${Object.entries(
    TANDEM_BENCH_ENV,
  )
    .filter(([key]) => key !== 'TANDEM_LOG_LEVEL')
    .map(([key, value]) => `\`${key}=${value}\``)
    .join(
      ', ',
    )}: all benchmark clients connect from 127.0.0.1, and the default of 100 connections per address would refuse them. Log level warn. Each run's Tandem limit counters (\`tandem_limit_hits_total\`, \`tandem_connections_rejected_total\`) are read from /metrics and kept in the JSON.`,
  'Every target runs under plain node, as deployed (Tandem from its compiled bundle; older commits measured with `--tandem-ref` that have no build script run their TypeScript under the tsx loader).',
  "Hocuspocus 3.4.4 (`@hocuspocus/server`, optionally `@hocuspocus/extension-sqlite` on a file), the reference server `@y/websocket-server` 0.1.1 (its `setupWSConnection` behind its own bin's http server, with `ws` 8.23 like every other target; LevelDB through its own `YPERSISTENCE`), and a bare `ws` 8.23 room relay (bench/servers/). No target compresses frames (permessage-deflate off everywhere).",
  "The load generator is a separate node process per run (bench/load/generator.ts), speaking each wire protocol with updates prepared before the timed window (one Y.Doc per simulated client, 4-character appends to a shared Y.Text). Receivers never apply updates: they read the first struct's client id and clock from the update header (or client id and clock from an awareness entry) and look up the send time. Latency is one-way, on one clock (performance.now() in the generator).",
  "Server CPU = utime + stime from /proc/<pid>/stat (all threads, 10 ms ticks) over the measurement window; peak RSS = VmHWM from /proc/<pid>/status. The generator's own CPU and the CPU of other processes on the machine are recorded for every window.",
  'Tandem on PostgreSQL (`tandem-postgres`, the `cluster` scenario): every run gets a fresh database `tandem_bench_<random>` on the local PostgreSQL server (TANDEM_BENCH_PG_URL), dropped afterwards; PostgreSQL is a system service, not pinned, and its CPU (every process named postgres) is recorded apart. The cluster relays through an own redis-server (no persistence) pinned with the Tandem instances.',
]

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  if (options.list) {
    console.log(`scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\ntargets: ${Object.keys(TARGETS).join(', ')}`)
    return
  }
  // The peer servers are the benchmark's own dependencies, kept out of the app's install; the
  // browser and package scenarios measure Tandem alone and run without them.
  const selectedNames = options.scenarios ?? SCENARIOS.map((s) => s.name)
  const needsPeers = selectedNames.some((name) => !TANDEM_ONLY_SCENARIOS.has(name))
  if (needsPeers && !fs.existsSync(path.join(ROOT, 'bench', 'node_modules', '@hocuspocus', 'server'))) {
    console.error("The benchmark's peer servers are not installed. Run `npm ci --prefix bench` once, then `npm run bench` again.")
    process.exit(1)
  }
  const mode: BenchResults['mode'] = options.scenarios || options.targets ? 'partial' : options.quick ? 'quick' : 'full'
  const outDir = path.join(ROOT, 'bench', 'out')
  fs.mkdirSync(outDir, { recursive: true })
  const started = new Date()
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19)
  const jsonFile = path.join(outDir, `${mode}-${stamp}.json`)
  const mdFile = options.results ?? (mode === 'full' ? path.join(ROOT, 'bench', 'RESULTS.md') : path.join(outDir, `RESULTS-${mode}.md`))
  const cores = os.cpus().length
  const pin = options.pin && cores >= 2 ? { server: '0', generator: '1' } : {}
  const source = tandemSource(options.tandemRef)
  process.once('exit', () => source.cleanup())
  setTandemRoot(source.root)
  const previous: Record<string, ScenarioResult | undefined> = {}
  const log = (message: string) => console.log(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}`)
  const ctx: BenchContext = {
    quick: options.quick,
    outDir,
    fixturesDir: path.join(outDir, 'fixtures'),
    pin,
    nice: options.nice,
    repsOverride: options.reps,
    targetFilter: options.targets ? new Set(options.targets) : undefined,
    quietMaxMs: options.quick ? 2_000 : 6_000,
    previous,
    log,
  }
  const results: BenchResults = {
    version: 1,
    mode,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    startedAt: started.toISOString(),
    durationSec: 0,
    machine: machine(),
    git: git(),
    tandemSource: source.label,
    pin,
    nice: options.nice,
    setup: SETUP,
    scenarios: {},
  }
  const save = () => {
    const final = { ...results, durationSec: (Date.now() - started.getTime()) / 1000 }
    fs.writeFileSync(jsonFile, JSON.stringify(final, null, 1))
    fs.copyFileSync(jsonFile, path.join(outDir, `latest-${mode}.json`))
    fs.writeFileSync(mdFile, renderResults(final))
  }
  const selected = SCENARIOS.filter((s) => !options.scenarios || options.scenarios.includes(s.name))
  log(`${mode} run: ${selected.map((s) => s.name).join(', ')}; results → ${path.relative(ROOT, jsonFile)}, ${path.relative(ROOT, mdFile)}`)
  for (const scenario of selected) {
    log(`${scenario.name}: ${scenario.title}`)
    try {
      const result = await scenario.run(ctx)
      results.scenarios[scenario.name] = result
      previous[scenario.name] = result
      log(`${scenario.name}: done in ${result.durationSec.toFixed(0)} s`)
    } catch (err) {
      log(`${scenario.name}: FAILED ${(err as Error).stack ?? err}`)
    }
    save()
  }
  save()
  // Charts only once, at the end: a full run keeps them beside RESULTS.md and adds its
  // advantages to bench/history.json; other runs chart into bench/out/ against that history.
  const final = { ...results, durationSec: (Date.now() - started.getTime()) / 1000 }
  const historyFile = path.join(ROOT, 'bench', 'history.json')
  const history =
    mode === 'full'
      ? appendHistory(historyFile, historyEntry(final.startedAt, final.git.commit, headlineFigures(final.scenarios)))
      : readHistory(historyFile)
  const chartsDir = mode === 'full' ? path.join(ROOT, 'bench', 'charts') : path.join(outDir, `charts-${mode}`)
  try {
    const charts = await writeCharts(final.scenarios, chartsDir, path.dirname(mdFile), history)
    fs.writeFileSync(mdFile, renderResults(final, charts))
    log(`${charts.length} charts → ${path.relative(ROOT, chartsDir)}`)
  } catch (err) {
    log(`charts: FAILED ${(err as Error).stack ?? err}`)
  }
  source.cleanup()
  log(`done in ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min → ${path.relative(ROOT, mdFile)}`)
}

// Ctrl-C or a kill: exit through process.exit so every server and generator still running is killed.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
