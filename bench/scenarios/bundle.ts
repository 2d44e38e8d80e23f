import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { buildEmbedAssets } from '../../server/http/embed-script'
import { fmt, type Scenario, scenarioShell, type Table } from '../lib/harness'
import { bundleFromPackage, packedHostProject } from '../lib/package'

interface BundleSize {
  readonly variant: string
  /** What the bundle leaves out (results from before this column have none). */
  readonly excluded?: string
  readonly minifiedBytes: number
  readonly gzipBytes: number
  readonly inputs: number
}

/** What a React app already ships, so the React entry is measured without it. */
const REACT = ['react', 'react-dom', 'react/*', 'react-dom/*', 'scheduler']

interface Variant {
  readonly variant: string
  readonly entry: string
  readonly external: readonly string[]
}

const VARIANTS: readonly Variant[] = [
  {
    variant: "`tandem-editor` whole entry (`export * from 'tandem-editor'`)",
    entry: "export * from 'tandem-editor'\n",
    external: [],
  },
  {
    variant: '`tandem-editor`: `mountTandem` only (tree-shaken, what a page without React ships)',
    entry: "import { mountTandem } from 'tandem-editor'\nwindow.mountTandem = mountTandem\n",
    external: [],
  },
  {
    variant: "`tandem-editor/react` whole entry (`export * from 'tandem-editor/react'`)",
    entry: "export * from 'tandem-editor/react'\n",
    external: REACT,
  },
  {
    variant: '`tandem-editor/react`: provider, editor, status, "Saved", people (tree-shaken, as in examples/react)',
    entry:
      "export { TandemDocProvider, CollaborativeEditor, ConnectionStatusBadge, SaveIndicator, PresenceList } from 'tandem-editor/react'\n",
    external: REACT,
  },
]

/** The budget for what `<script src="/embed.js">` loads in all, gzip. */
const SCRIPT_TAG_TARGET_KB = 160

interface ScriptTagSize {
  readonly bytes: number
  readonly gzipBytes: number
  readonly brotliBytes: number
}

/**
 * What a page with the script tag downloads: /embed.js and the /embed.css it adds, as the
 * server builds and compresses them (server/http/embed-script.ts, the very code that serves
 * them), so the figure is what browsers get, not a second build made differently.
 */
async function measureScriptTag(): Promise<ScriptTagSize> {
  const { script, styles } = await buildEmbedAssets()
  return {
    bytes: script.body.length + styles.body.length,
    gzipBytes: script.encoded.gzip.length + styles.encoded.gzip.length,
    brotliBytes: script.encoded.br.length + styles.encoded.br.length,
  }
}

function gzip(bytes: Uint8Array): number {
  return zlib.gzipSync(bytes, { level: 9 }).length
}

async function measure(variant: Variant): Promise<BundleSize> {
  const project = await packedHostProject()
  const result = await bundleFromPackage(project, variant.entry, { external: [...variant.external] })
  const output = result.outputFiles.find((file) => file.path.endsWith('.js'))
  if (!output) throw new Error(`esbuild produced no JavaScript (${result.outputFiles.map((f) => f.path).join(', ')})`)
  if (!variant.external.length && Object.keys(result.metafile.inputs).some((input) => /node_modules\/react(-dom)?\//.test(input)))
    throw new Error(`${variant.variant}: React was bundled into the framework-free entry`)
  return {
    variant: variant.variant,
    excluded: variant.external.length ? variant.external.join(', ') : 'nothing',
    minifiedBytes: output.contents.length,
    gzipBytes: gzip(output.contents),
    inputs: Object.keys(result.metafile.inputs).length,
  }
}

/**
 * Sizes of the tandem-editor package's entries as an embedder's bundler makes them: the packed
 * tarball installed into a host project, bundled with its dependencies (Tiptap, ProseMirror,
 * Yjs, y-websocket …) by esbuild, minified ESM, gzip -9. React and react-dom are left out of the
 * React entry (the app has them); nothing is left out of the framework-free one.
 */
export const bundle: Scenario = {
  name: 'bundle',
  title: 'Embeddable editor bundle size',
  async run(ctx) {
    const shell = scenarioShell(this.name, this.title, { from: 'npm pack of lib/', bundler: 'esbuild', minify: true, gzipLevel: 9 }, [])
    const project = await packedHostProject()
    const sizes: BundleSize[] = []
    for (const variant of VARIANTS) sizes.push(await measure(variant))
    const css = fs.readFileSync(path.join(project.dir, 'node_modules/tandem-editor/dist/style.css'))
    const stylesheet = { bytes: css.length, gzipBytes: gzip(css) }
    for (const size of sizes)
      ctx.log(`    bundle ${size.variant}: ${fmt(size.minifiedBytes / 1024, 1)} KB minified, ${fmt(size.gzipBytes / 1024, 1)} KB gzip`)
    ctx.log(`    bundle style.css: ${fmt(stylesheet.bytes / 1024, 1)} KB, ${fmt(stylesheet.gzipBytes / 1024, 1)} KB gzip`)
    const scriptTag = await measureScriptTag()
    ctx.log(
      `    /embed.js + /embed.css (everything the script tag loads): ${fmt(scriptTag.gzipBytes / 1024, 1)} KB gzip, ${fmt(scriptTag.brotliBytes / 1024, 1)} KB brotli (target ≤ ${SCRIPT_TAG_TARGET_KB} KB gzip)`,
    )
    return shell.finish([], [], { sizes, stylesheet, tarballBytes: project.tarballBytes, scriptTag })
  },
  tables(result): Table[] {
    const sizes = (result.data?.sizes ?? []) as BundleSize[]
    const stylesheet = result.data?.stylesheet as { bytes: number; gzipBytes: number } | undefined
    const tarballBytes = result.data?.tarballBytes as number | undefined
    const scriptTag = result.data?.scriptTag as ScriptTagSize | undefined
    return [
      {
        title:
          'Embeddable editor bundles: the packed tandem-editor installed in a host project, bundled with its dependencies by esbuild (minified ESM, gzip -9)',
        note:
          'React, react-dom and scheduler are left out of the React entry (the app ships them already); nothing is left out of `tandem-editor`, which imports no React.' +
          (tarballBytes ? ` Tarball: ${fmt(tarballBytes / 1024, 1)} KB.` : ''),
        columns: ['variant', 'left out', 'minified KB', 'gzip KB', 'input files'],
        rows: [
          ...sizes.map((s) => [s.variant, s.excluded ?? '', fmt(s.minifiedBytes / 1024, 1), fmt(s.gzipBytes / 1024, 1), String(s.inputs)]),
          ...(stylesheet
            ? [['`tandem-editor/style.css`', '', fmt(stylesheet.bytes / 1024, 1), fmt(stylesheet.gzipBytes / 1024, 1), '1']]
            : []),
          ...(scriptTag
            ? [
                [
                  `\`/embed.js\` + \`/embed.css\` (the script tag, as served; brotli ${fmt(scriptTag.brotliBytes / 1024, 1)} KB; target ≤ ${SCRIPT_TAG_TARGET_KB} KB gzip)`,
                  'nothing',
                  fmt(scriptTag.bytes / 1024, 1),
                  fmt(scriptTag.gzipBytes / 1024, 1),
                  '2',
                ],
              ]
            : []),
        ],
      },
    ]
  },
}
