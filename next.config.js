/** @type {import('next').NextConfig} */
const nextConfig = {
  // The custom server (server/main.ts) imports yjs itself; keeping it external stops Next from
  // bundling a second copy into the server build ("Yjs was already imported").
  serverExternalPackages: ['yjs', 'better-sqlite3', 'ws'],
  reactStrictMode: true,
  poweredByHeader: false,
}

export default nextConfig
