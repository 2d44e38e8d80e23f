import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const LIB_DIR = path.join(root, 'lib')
const STALE_LOCK_MS = 3 * 60_000

/**
 * `npm pack` of the tandem-editor package (lib/) into `destination`, exactly as a user would
 * make it (its `prepack` builds lib/dist). Test files run in parallel processes and the build
 * empties lib/dist first, so packs take turns behind a lock directory (mkdir is atomic).
 * `libDir` is another checkout's lib/ (the benchmark measuring a commit). Returns the tarball's path.
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
  } finally {
    fs.rmSync(packLock, { recursive: true, force: true })
  }
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
