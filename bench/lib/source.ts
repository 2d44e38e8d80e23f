import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT } from '../targets/spawn'

export interface TandemSource {
  /** Directory holding server/, lib/ and a node_modules link: the Tandem that is measured. */
  readonly root: string
  /** "working tree" or "git <ref> = <sha>". */
  readonly label: string
  cleanup(): void
}

/**
 * Which Tandem to measure. By default the working tree (what you are editing). With a git ref,
 * `git archive <ref> server lib …` is unpacked into a temporary directory (node_modules linked
 * to the repository's), so a run measures exactly one commit even while the checkout changes.
 */
export function tandemSource(ref: string | undefined): TandemSource {
  if (!ref) return { root: ROOT, label: 'working tree', cleanup: () => {} }
  const sha = execFileSync('git', ['rev-parse', ref], { cwd: ROOT, encoding: 'utf8' }).trim()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-src-'))
  const tar = execFileSync('git', ['archive', '--format=tar', sha, 'server', 'lib', 'tsconfig.json', 'package.json'], {
    cwd: ROOT,
    maxBuffer: 256 * 1024 * 1024,
  })
  execFileSync('tar', ['-x', '-C', dir], { input: tar })
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  return { root: dir, label: `git ${ref} = ${sha.slice(0, 12)}`, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}
