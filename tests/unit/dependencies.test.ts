import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../..')
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; hasInstallScript?: boolean; optional?: boolean }>
}

describe('dependency tree', () => {
  it('holds exactly one copy of yjs (two copies break instanceof checks and sync)', () => {
    const copies = Object.keys(lock.packages).filter((p) => p === 'node_modules/yjs' || p.endsWith('/node_modules/yjs'))
    expect(copies).toEqual(['node_modules/yjs'])
  })

  it('pins every direct dependency to an exact version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string>>
    for (const field of ['dependencies', 'devDependencies']) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        expect(range, `${name} in ${field}`).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
      }
    }
  })

  it('builds no native module the app does not use (benchmark peers live in bench/package.json)', () => {
    const withInstallScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([location]) => location.replace(/^.*node_modules\//, ''))
      .sort()
    // better-sqlite3 is the embedded storage; esbuild (through tsx and vitest) only unpacks its binary.
    expect(withInstallScripts).toEqual(['better-sqlite3', 'esbuild'])
  })
})
