/**
 * Compiles the server's entry points (server/bin/cli.ts for `npm run server`, server/bin/main.ts
 * for `npm start`) to JavaScript in dist/server/, so production starts plain node instead of
 * compiling TypeScript through the tsx loader at every start. `npm run dev` and the
 * tests keep running the TypeScript sources.
 *
 *   node scripts/build-server.mjs            build when stale (the `prestart` / `preserver` hooks)
 *   node scripts/build-server.mjs --force    build always (`npm run build:server`)
 *
 * Stale = no build yet, or a file the last build read (its esbuild metafile inputs, this script
 * included) changed or disappeared since. Checking costs one stat per input, a few milliseconds.
 *
 * Packages stay external, resolved from node_modules at run time as under tsx: native modules
 * (better-sqlite3), packages loaded only when configured (pg, ioredis, next, mammoth, happy-dom,
 * esbuild) and the rest keep their own files. Code splitting keeps each dynamic `import()` of the
 * sources (lib/document, PostgreSQL storage, the Redis bus, the Next.js app) in its own chunk, so
 * what a start does not need is not even parsed.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const OUT_DIR = path.join(ROOT, 'dist', 'server')
/** What the last build read, relative to ROOT; written last, so a build that failed midway is stale. */
export const BUILD_INFO = path.join(OUT_DIR, 'build-info.json')
const ENTRY_POINTS = { cli: 'server/bin/cli.ts', main: 'server/bin/main.ts' }
/** Files the bundle loads by URL at run time (a worker), copied next to the chunks. */
const RUNTIME_FILES = ['server/documents/mammoth-worker.mjs']
/**
 * Packages left to node_modules: native code (better-sqlite3), what loads only when configured
 * or asked for (pg, ioredis, next and React, mammoth in its worker, happy-dom, esbuild for
 * /embed.js, pino-pretty for a terminal). Everything else is bundled: loading one file instead
 * of hundreds of small modules is most of the start-up time saved. One copy of Yjs: everything
 * that imports yjs (y-protocols, y-tiptap) is bundled with it.
 */
const EXTERNAL = [
  'better-sqlite3',
  'pg',
  'ioredis',
  'next',
  'react',
  'react-dom',
  'mammoth',
  'happy-dom',
  'esbuild',
  'pino-pretty',
  // ws' optional native helpers: required inside try/catch, absent by default.
  'bufferutil',
  'utf-8-validate',
]
const THIS_SCRIPT = path.relative(ROOT, fileURLToPath(import.meta.url))

/**
 * zod's `z.locales` and `z.core.locales` namespaces pull in every translation of its error messages (some 60 files,
 * half of zod's size); the server uses none of them (English is built in through
 * locales/en.js), so they are bundled with English alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(args.importer)) return undefined
      return { path: path.join(path.dirname(args.importer), '..', 'locales', 'en.js') }
    })
  },
}

/** Why the build in dist/server/ is out of date, or null when it is current. */
export function staleReason() {
  let info
  try {
    info = JSON.parse(fs.readFileSync(BUILD_INFO, 'utf8'))
  } catch {
    return 'no build yet'
  }
  const builtAt = fs.statSync(BUILD_INFO).mtimeMs
  for (const input of [...info.inputs, THIS_SCRIPT, ...RUNTIME_FILES]) {
    let mtime
    try {
      mtime = fs.statSync(path.join(ROOT, input)).mtimeMs
    } catch {
      return `${input} is gone`
    }
    if (mtime > builtAt) return `${input} changed`
  }
  return null
}

export async function buildServer() {
  // Loaded only when building: a start with a current build never pays for esbuild.
  const esbuild = await import('esbuild')
  fs.rmSync(OUT_DIR, { recursive: true, force: true })
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS,
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // Chunks sit beside the entries, one folder below the root as server/bin/ and server/http/
    // are: paths the sources compute from import.meta.url (the repository root, lib/) still hold.
    chunkNames: '[name]-[hash]',
    // Bundled CommonJS packages require Node's built-ins (and the optional helpers above): an
    // ES module has no `require`, so each chunk gets one.
    banner: {
      js: "import { createRequire as createRequireForBundle } from 'node:module'\nconst require = createRequireForBundle(import.meta.url)",
    },
    sourcemap: 'linked',
    // Less to parse at every start; names kept, so logged errors still say what they are.
    minify: true,
    keepNames: true,
    plugins: [zodEnglishOnly],
    metafile: true,
    logLevel: 'warning',
  })
  for (const file of RUNTIME_FILES) fs.copyFileSync(path.join(ROOT, file), path.join(OUT_DIR, path.basename(file)))
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules/'))
  fs.writeFileSync(BUILD_INFO, `${JSON.stringify({ inputs }, null, 2)}\n`)
  return inputs.length
}

async function main(argv) {
  const reason = argv.includes('--force') ? 'asked to' : staleReason()
  if (!reason) return
  const startedAt = performance.now()
  const count = await buildServer()
  const ms = Math.round(performance.now() - startedAt)
  // stderr: stdout belongs to the server's logs once it starts (JSON lines for a collector).
  process.stderr.write(`Compiled the server to dist/server/ (${reason}; ${count} source files, ${ms} ms)\n`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err)
    process.exit(1)
  })
}
