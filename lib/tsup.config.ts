import { copyFileSync } from 'node:fs'
import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'index.ts', react: 'react/index.ts' },
  outDir: 'dist',
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  // Declarations come from tsc (tsconfig.build.json): tsup's bundler for them needs the
  // TypeScript 5 API, which TypeScript 7 no longer has.
  dts: false,
  sourcemap: true,
  splitting: true,
  clean: true,
  // package.json's dependencies and peerDependencies stay imports; so does everything under them.
  tsconfig: '../tsconfig.json',
  // tsup keeps react/index.ts's 'use client' at the top of dist/react.js (and only there).
  async onSuccess() {
    copyFileSync('react/tandem.css', 'dist/style.css')
  },
})
