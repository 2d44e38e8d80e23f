import { defineConfig } from 'vite'

// Vite compiles JSX itself (React's automatic runtime); add @vitejs/plugin-react for Fast Refresh.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    sourcemap: true,
    // One bundle with React, Tiptap and Yjs: about 780 KB minified, 245 KB gzip.
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      // Tiptap's and Tandem's "use client" marks are for server-rendering frameworks; a single-page app has no use for them.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning)
      },
    },
  },
})
