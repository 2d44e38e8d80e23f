import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const lib = (file: string) => fileURLToPath(new URL(`./lib/${file}`, import.meta.url))

export default defineConfig({
  resolve: {
    // The package names the app imports (tsconfig.json `paths`), resolved to the sources in lib/.
    alias: [
      { find: /^tandem-editor\/react$/, replacement: lib('react/index.ts') },
      { find: /^tandem-editor\/style\.css$/, replacement: lib('react/tandem.css') },
      { find: /^tandem-editor$/, replacement: lib('index.ts') },
    ],
  },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
})
