import fs from 'node:fs'
import path from 'node:path'
import { offlineShellWorker } from './worker'

/**
 * `/sw.js`: the offline app shell's service worker (see worker.ts), built from the TypeScript
 * source as the text of one self-contained function and called with this build's id, so its
 * caches are named after the build. Served `no-cache` so a new build's worker is found at once.
 * In development it is a worker that removes itself and its caches (the dev server's files are
 * not immutable; registerOfflineShell() never registers one there anyway).
 */
export const dynamic = 'force-dynamic'

function buildId(): string {
  // server/bin/next-app.ts sets it from the build it serves; `next start` runs from the app's folder.
  const fromServer = process.env.TANDEM_BUILD_ID
  if (fromServer) return fromServer
  try {
    return fs.readFileSync(path.join(process.cwd(), '.next', 'BUILD_ID'), 'utf8').trim()
  } catch {
    return 'unversioned'
  }
}

const RETIRE = `self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil((async () => {
  for (const name of await caches.keys()) if (name.startsWith('tandem-shell-')) await caches.delete(name)
  await self.registration.unregister()
})()))
`

export function GET(): Response {
  const source =
    process.env.NODE_ENV === 'production'
      ? `(${offlineShellWorker.toString()})(self, ${JSON.stringify({ version: buildId() })});\n`
      : RETIRE
  return new Response(source, {
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache, no-store, must-revalidate',
      'service-worker-allowed': '/',
    },
  })
}
