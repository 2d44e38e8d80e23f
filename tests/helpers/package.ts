import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const LIB_DIR = path.join(root, 'lib')
const STALE_LOCK_MS = 3 * 60_000
const CACHE_DIR = path.join(os.tmpdir(), 'tandem-editor-packs')
const CACHE_MAX_AGE_MS = 24 * 3600_000
/** Made by the build or by packing, not inputs of it. */
const NOT_INPUTS = new Set(['dist', 'node_modules', '.pack.lock'])

function inputFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !NOT_INPUTS.has(entry.name) && !entry.name.endsWith('.tgz'))
    .flatMap((entry) => (entry.isDirectory() ? inputFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort()
}

/**
 * What the tarball is made from: lib/'s files and the root's tsconfig.json (tsup and tsc read
 * it), package.json and package-lock.json (the versions of the build tools and dependencies).
 */
function packInputsHash(libDir: string): string {
  const hash = createHash('sha256')
  const rootDir = path.dirname(libDir)
  const rootFiles = ['tsconfig.json', 'package.json', 'package-lock.json'].map((name) => path.join(rootDir, name))
  for (const file of [...inputFiles(libDir), ...rootFiles.filter((f) => fs.existsSync(f))]) {
    hash.update(path.relative(rootDir, file)).update('\0').update(fs.readFileSync(file)).update('\0')
  }
  return hash.digest('hex').slice(0, 32)
}

/** Drops cached tarballs nobody made for a day (other checkouts' included). */
function pruneCache(): void {
  for (const name of fs.existsSync(CACHE_DIR) ? fs.readdirSync(CACHE_DIR) : []) {
    const dir = path.join(CACHE_DIR, name)
    if (Date.now() - fs.statSync(dir).mtimeMs > CACHE_MAX_AGE_MS) fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * `npm pack` of the tandem-editor package (lib/) into `destination`, exactly as a user would
 * make it (its `prepack` builds lib/dist). Test files run in parallel processes and the build
 * empties lib/dist first, so packs take turns behind a lock directory (mkdir is atomic).
 * `libDir` is another checkout's lib/ (the benchmark measuring a commit). The tarball is kept
 * (in the OS temp dir) under a hash of everything it is made from, so the test files and
 * benchmark scenarios of one run, and later runs with the same sources, pack once and copy it.
 * Returns the tarball's path.
 */
export async function packTandemEditor(destination: string, libDir = LIB_DIR): Promise<string> {
  const packLock = path.join(libDir, '.pack.lock')
  for (;;) {
    try {
      fs.mkdirSync(packLock)
      break
    } catch {
      const age = fs.existsSync(packLock) ? Date.now() - fs.statSync(packLock).mtimeMs : 0
      if (age > STALE_LOCK_MS) fs.rmSync(packLock, { recursive: true, force: true })
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  try {
    const cached = path.join(CACHE_DIR, packInputsHash(libDir))
    const cachedTarball = fs.existsSync(cached) ? fs.readdirSync(cached).find((name) => name.endsWith('.tgz')) : undefined
    if (cachedTarball) {
      fs.copyFileSync(path.join(cached, cachedTarball), path.join(destination, cachedTarball))
      return path.join(destination, cachedTarball)
    }
    const tarball = packNow(destination, libDir)
    // Written beside, then renamed: a reader never sees half a tarball.
    fs.mkdirSync(CACHE_DIR, { recursive: true })
    pruneCache()
    const staging = fs.mkdtempSync(path.join(CACHE_DIR, 'staging-'))
    fs.copyFileSync(tarball, path.join(staging, path.basename(tarball)))
    try {
      fs.renameSync(staging, cached)
    } catch {
      // Another checkout with the same sources stored the same tarball first.
      fs.rmSync(staging, { recursive: true, force: true })
    }
    return tarball
  } finally {
    fs.rmSync(packLock, { recursive: true, force: true })
  }
}

function packNow(destination: string, libDir: string): string {
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: libDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // prepack's own output comes first; npm's JSON report is the last thing printed.
  const report = JSON.parse(output.slice(output.lastIndexOf('\n[\n') + 1)) as Array<{ filename: string }>
  const filename = report[0]?.filename
  if (!filename) throw new Error(`npm pack reported no file:\n${output}`)
  return path.join(destination, filename)
}

/** The paths inside a tarball made by npm pack (each starts with `package/`). */
export function tarballFiles(tarball: string): string[] {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
}

/** Unpacks a tarball into `dir` (its files land under `dir/package/`). */
export function unpackTarball(tarball: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true })
  execFileSync('tar', ['-xzf', tarball, '-C', dir])
  return path.join(dir, 'package')
}
