import fs from 'node:fs'
import path from 'node:path'
import { type BuildOptions, build, type Metafile } from 'esbuild'
import { packTandemEditor, unpackTarball } from '../../tests/helpers/package'
import { getTandemRoot } from '../targets/tandem'
import { newDataDir } from './harness'

export interface HostProject {
  /** A directory whose node_modules/tandem-editor is the unpacked tarball. */
  readonly dir: string
  readonly tarball: string
  readonly tarballBytes: number
}

let packed: Promise<HostProject> | null = null

/**
 * The tandem-editor package as an embedder installs it: `npm pack` of the measured tree's lib/
 * (its prepack builds), unpacked into node_modules/tandem-editor of a scratch host project. Its
 * own dependencies resolve from the repository's node_modules, where `npm install` of the
 * tarball would put the same versions. Packed once per benchmark run.
 */
export function packedHostProject(): Promise<HostProject> {
  packed ??= (async () => {
    const dir = newDataDir('package')
    const tarball = await packTandemEditor(dir, path.join(getTandemRoot(), 'lib'))
    const modules = path.join(dir, 'node_modules')
    fs.mkdirSync(modules)
    fs.renameSync(unpackTarball(tarball, path.join(dir, 'unpacked')), path.join(modules, 'tandem-editor'))
    return { dir, tarball, tarballBytes: fs.statSync(tarball).size }
  })()
  return packed
}

/**
 * Bundles `entry` (code importing 'tandem-editor…') in the host project with esbuild, the way an
 * embedder's bundler would: ESM for browsers, production React, minified unless told otherwise.
 * Fails if anything of tandem-editor came from elsewhere than the tarball.
 */
export async function bundleFromPackage(
  project: HostProject,
  entry: string,
  options: Pick<BuildOptions, 'external' | 'minify' | 'outdir' | 'sourcemap'> & { write?: boolean } = {},
): Promise<{ outputFiles: Array<{ path: string; contents: Uint8Array }>; metafile: Metafile }> {
  const entryFile = path.join(project.dir, `entry-${Math.random().toString(36).slice(2, 10)}.js`)
  fs.writeFileSync(entryFile, entry)
  try {
    const result = await build({
      absWorkingDir: project.dir,
      entryPoints: [entryFile],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: options.minify ?? true,
      sourcemap: options.sourcemap,
      external: options.external,
      write: options.write ?? false,
      outdir: options.outdir ?? path.join(project.dir, 'out'),
      entryNames: 'main',
      metafile: true,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      nodePaths: [path.join(getTandemRoot(), 'node_modules')],
    })
    const lib = path.join(getTandemRoot(), 'lib') + path.sep
    const inputs = Object.keys(result.metafile.inputs)
    const fromSources = inputs.filter((input) => path.resolve(project.dir, input).startsWith(lib))
    if (fromSources.length || !inputs.some((input) => input.startsWith('node_modules/tandem-editor/dist/')))
      throw new Error(
        `tandem-editor must come from the tarball alone: ${fromSources.join(', ') || 'no input from node_modules/tandem-editor/dist'}`,
      )
    return { outputFiles: result.outputFiles ?? [], metafile: result.metafile }
  } finally {
    fs.rmSync(entryFile, { force: true })
  }
}
