import path from 'node:path'
import zlib from 'node:zlib'
import { build } from 'esbuild'
import { fmt, type Scenario, scenarioShell, type Table } from '../lib/harness'
import { getTandemRoot } from '../targets/tandem'

interface BundleSize {
  readonly variant: string
  readonly minifiedBytes: number
  readonly gzipBytes: number
  readonly inputs: number
}

async function measure(variant: string, entry: string, external: string[]): Promise<BundleSize> {
  const result = await build({
    entryPoints: [path.join(getTandemRoot(), 'lib', entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    external,
    write: false,
    outfile: 'tandem-editor.js',
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  const output = result.outputFiles.find((file) => file.path.endsWith('.js'))
  if (!output) throw new Error(`esbuild produced no JavaScript (${result.outputFiles.map((f) => f.path).join(', ')})`)
  const code = output.contents
  return {
    variant,
    minifiedBytes: code.length,
    gzipBytes: zlib.gzipSync(code, { level: 9 }).length,
    inputs: Object.keys(result.metafile.inputs).length,
  }
}

/** Size of the tandem-editor package's two entries, each as one minified ESM bundle, gzipped. */
export const bundle: Scenario = {
  name: 'bundle',
  title: 'Embeddable editor bundle size',
  async run(ctx) {
    const shell = scenarioShell(this.name, this.title, { entries: ['lib/index.ts', 'lib/react/index.ts'], minify: true, gzipLevel: 9 }, [])
    const sizes = [
      await measure('tandem-editor (lib/index.ts: mountTandem, editor, client), everything bundled', 'index.ts', []),
      await measure('tandem-editor/react (lib/react/index.ts), react and react-dom external', 'react/index.ts', [
        'react',
        'react-dom',
        'react/jsx-runtime',
      ]),
    ]
    for (const size of sizes)
      ctx.log(`    bundle ${size.variant}: ${fmt(size.minifiedBytes / 1024, 1)} KB minified, ${fmt(size.gzipBytes / 1024, 1)} KB gzip`)
    return shell.finish([], [], { sizes })
  },
  tables(result): Table[] {
    const sizes = (result.data?.sizes ?? []) as BundleSize[]
    return [
      {
        title: 'Embeddable editor bundles (the tandem-editor entries with everything they import), esbuild minified ESM, gzip -9',
        columns: ['variant', 'minified KB', 'gzip KB', 'input files'],
        rows: sizes.map((s) => [s.variant, fmt(s.minifiedBytes / 1024, 1), fmt(s.gzipBytes / 1024, 1), String(s.inputs)]),
      },
    ]
  },
}
