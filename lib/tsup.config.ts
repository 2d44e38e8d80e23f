import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { defineConfig } from 'tsup'

const TYPES_DIR = 'dist/types'

/**
 * Declarations come from tsc (tsconfig.build.json): tsup's declaration bundler needs the
 * TypeScript 5 API, which TypeScript 7 no longer has. tsc keeps the sources' extensionless
 * relative imports, which `moduleResolution: "node16"/"nodenext"` users cannot resolve, so
 * each becomes the explicit `.js` (or `/index.js`) path.
 */
function emitDeclarations(): void {
  // `npm run build` and `npx tsup` put the repository's node_modules/.bin on PATH.
  execFileSync('tsc', ['-p', 'tsconfig.build.json'], { stdio: 'inherit' })
  for (const file of declarationFiles(TYPES_DIR)) {
    const dir = path.dirname(file)
    const code = readFileSync(file, 'utf8').replace(
      /(from |import\()(['"])(\.{1,2}\/[^'"]+)\2/g,
      (whole, lead: string, quote: string, spec: string) => {
        if (spec.endsWith('.js')) return whole
        const target = path.join(dir, spec)
        const resolved = existsSync(`${target}.d.ts`)
          ? `${spec}.js`
          : existsSync(path.join(target, 'index.d.ts'))
            ? `${spec}/index.js`
            : null
        if (!resolved) throw new Error(`${file}: cannot resolve ${spec}`)
        return `${lead}${quote}${resolved}${quote}`
      },
    )
    writeFileSync(file, code)
  }
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return declarationFiles(full)
    return full.endsWith('.d.ts') ? [full] : []
  })
}

export default defineConfig({
  entry: { index: 'index.ts', react: 'react/index.ts' },
  outDir: 'dist',
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  dts: false,
  sourcemap: true,
  splitting: true,
  clean: true,
  // package.json's dependencies and peerDependencies stay imports; so does everything under them.
  tsconfig: '../tsconfig.json',
  // tsup keeps react/index.ts's 'use client' at the top of dist/react.js (and only there).
  async onSuccess() {
    copyFileSync('react/tandem.css', 'dist/style.css')
    emitDeclarations()
  },
})
