/** @type {import('next').NextConfig} */
const nextConfig = {
  // The custom server (server/bin/main.ts) imports yjs itself; keeping it external stops Next from
  // bundling a second copy into the server build ("Yjs was already imported").
  serverExternalPackages: ['yjs', 'better-sqlite3', 'ws'],
  reactStrictMode: true,
  // The app build type-checks only what it ships (app/ and lib/); `npm test` checks the rest.
  typescript: { tsconfigPath: 'tsconfig.app.json' },
  poweredByHeader: false,
}

export default nextConfig
