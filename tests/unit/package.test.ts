import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packTandemEditor, tarballFiles, unpackTarball } from '../helpers/package'
import { makeTempDir, removeDir } from '../helpers/temp-dir'

/**
 * The tandem-editor package as a user gets it: `npm pack` in lib/ (its prepack builds), the
 * tarball's contents and manifest, then `npm install <tarball> yjs react react-dom` into a
 * fresh project and imports from Node.
 */
const rootPkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
  version: string
  dependencies: Record<string, string>
  overrides: Record<string, string>
}

interface Manifest {
  name: string
  version: string
  license: string
  type: string
  sideEffects: string[]
  exports: Record<string, unknown>
  dependencies: Record<string, string>
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
}

let work: string
let tarball: string
let files: string[]
let manifest: Manifest

beforeAll(async () => {
  work = makeTempDir('tandem-pack-')
  tarball = await packTandemEditor(work)
  files = tarballFiles(tarball)
  manifest = JSON.parse(fs.readFileSync(path.join(unpackTarball(tarball, path.join(work, 'unpacked')), 'package.json'), 'utf8'))
}, 120_000)

afterAll(() => {
  if (work) removeDir(work)
})

describe('npm pack of lib/ (tandem-editor)', () => {
  it('is named tandem-editor, versioned like the app, MIT, ESM, with CSS as its only side effect', () => {
    expect(path.basename(tarball)).toBe(`tandem-editor-${rootPkg.version}.tgz`)
    expect(manifest).toMatchObject({ name: 'tandem-editor', version: rootPkg.version, license: 'MIT', type: 'module' })
    expect(manifest.sideEffects).toEqual(['*.css'])
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './package.json', './react', './style.css'])
  })

  it('holds the built ESM, its source maps, declarations and the stylesheet', () => {
    for (const file of [
      'package/dist/index.js',
      'package/dist/index.js.map',
      'package/dist/react.js',
      'package/dist/react.js.map',
      'package/dist/types/index.d.ts',
      'package/dist/types/react/index.d.ts',
      'package/dist/types/mount/mount-tandem.d.ts',
      'package/dist/style.css',
      'package/package.json',
      'package/README.md',
    ]) {
      expect(files, file).toContain(file)
    }
    const css = fs.readFileSync(path.join(work, 'unpacked/package/dist/style.css'), 'utf8')
    expect(css).toContain('--tandem-accent')
    expect(css).toContain('.tandem-mount__bar')
  })

  it('keeps the React entry a client module and the framework-free entry free of React', () => {
    const read = (file: string) => fs.readFileSync(path.join(work, 'unpacked/package/dist', file), 'utf8')
    expect(read('react.js').startsWith('"use client";')).toBe(true)
    const frameworkFree = files
      .filter((f) => f.endsWith('.js') && !f.endsWith('/react.js'))
      .map((f) => read(f.slice('package/dist/'.length)))
    for (const code of frameworkFree) {
      expect(code).not.toMatch(/from ["'](react|react-dom|@tiptap\/react)["']/)
      expect(code).not.toContain('use client')
    }
  })

  it('holds no sources, tests, server, app or Next.js code', () => {
    for (const file of files) {
      expect(file).toMatch(/^package\/(dist\/|package\.json$|README\.md$)/)
      expect(file).not.toMatch(/\.test\.|\/server\/|\/app\/|\.tsx?$(?<!\.d\.ts)/)
    }
    const code = files.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(work, 'unpacked', f), 'utf8'))
    for (const text of code) expect(text).not.toMatch(/from ["'](next|next\/[^"']+|better-sqlite3|pino|prom-client|pg|ioredis|ws)["']/)
  })

  it('depends on the client libraries at the app’s versions; yjs and React are peers', () => {
    const all = { ...manifest.dependencies, ...manifest.peerDependencies }
    for (const serverOnly of ['next', 'better-sqlite3', 'pino', 'prom-client', 'pg', 'ioredis', 'ws', 'happy-dom', 'mammoth']) {
      expect(all[serverOnly], serverOnly).toBeUndefined()
    }
    // @tiptap/react's optional menus are pinned (the root pins them by `overrides`) so npm does not
    // pick newer ones that want a newer @tiptap/core.
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(version, name).toBe(rootPkg.dependencies[name] ?? rootPkg.overrides[name])
    }
    expect(manifest.dependencies.yjs).toBeUndefined()
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['react', 'react-dom', 'yjs'])
    expect(manifest.peerDependenciesMeta.react?.optional).toBe(true)
    expect(manifest.peerDependenciesMeta['react-dom']?.optional).toBe(true)
  })

  it('installs into a fresh project with its peers and imports from Node (one yjs)', () => {
    const project = path.join(work, 'host')
    fs.mkdirSync(project)
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'host', private: true, type: 'module' }))
    const peers = ['yjs', 'react', 'react-dom'].map((name) => `${name}@${rootPkg.dependencies[name]}`)
    execFileSync('npm', ['install', tarball, ...peers, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const yjsCopies = execFileSync('find', ['node_modules', '-type', 'd', '-name', 'yjs', '-path', '*node_modules/yjs'], {
      cwd: project,
      encoding: 'utf8',
    })
    expect(yjsCopies.trim().split('\n')).toEqual(['node_modules/yjs'])

    const script = `
      const core = await import('tandem-editor')
      const react = await import('tandem-editor/react')
      console.log(JSON.stringify({
        core: Object.fromEntries(Object.entries(core).map(([k, v]) => [k, typeof v])),
        react: Object.fromEntries(Object.entries(react).map(([k, v]) => [k, typeof v])),
        css: import.meta.resolve('tandem-editor/style.css'),
      }))`
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' })) as {
      core: Record<string, string>
      react: Record<string, string>
      css: string
    }
    for (const name of [
      'mountTandem',
      'createCollaborativeEditor',
      'createConnection',
      'tandemExtensions',
      'createDocsClient',
      'bindTitleInput',
    ]) {
      expect(out.core[name], name).toBe('function')
    }
    for (const name of ['TandemDocProvider', 'CollaborativeEditor', 'EditorToolbar', 'PresenceList', 'SaveIndicator', 'usePeople']) {
      expect(out.react[name], name).toBe('function')
    }
    expect(out.core.CollaborativeEditor).toBeUndefined()
    expect(out.css).toMatch(/node_modules\/tandem-editor\/dist\/style\.css$/)

    // Its declarations type a host's code under both of TypeScript's ESM resolutions.
    fs.writeFileSync(
      path.join(project, 'host.ts'),
      [
        "import { type MountedTandem, mountTandem } from 'tandem-editor'",
        "const mounted: MountedTandem = mountTandem(document.body, { serverUrl: 'ws://localhost:3000/collab', docId: 'notes', user: { name: 'Ada', color: '#2563eb' }, theme: { accent: '#e11d48' } })",
        "mounted.connection.saveState.subscribe((state: 'saved' | 'saving' | 'offline' | 'not-saved') => state)",
        'mounted.editor.commands.focus()',
        '// @ts-expect-error docId is required',
        "mountTandem(document.body, { user: { name: 'Ada', color: '#2563eb' } })",
      ].join('\n'),
    )
    const tsc = path.resolve(__dirname, '../../node_modules/typescript/bin/tsc')
    for (const resolution of [
      { module: 'esnext', moduleResolution: 'bundler' },
      { module: 'nodenext', moduleResolution: 'nodenext' },
    ]) {
      const compilerOptions = {
        ...resolution,
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        lib: ['dom', 'ES2022'],
        types: [],
      }
      fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['host.ts'] }))
      const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' })
      expect(`${result.stdout}${result.stderr}`, resolution.moduleResolution).toBe('')
      expect(result.status, resolution.moduleResolution).toBe(0)
    }
  }, 180_000)
})
