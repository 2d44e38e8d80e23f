import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTENT_FIELD } from '../../lib/protocol'
import { connectSynced, type TestClient } from '../helpers/clients'
import { type ServerProcess, spawnCompiledServer } from '../helpers/server-process'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/**
 * `npm start` and `npm run server` run the server compiled to dist/server/ by
 * scripts/build-server.mjs, which their pre-hooks run to rebuild it when a source changed. These
 * tests run that script and the compiled output as the scripts do (node, not npm, so the PID is
 * the server's).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const buildInfo = path.join(root, 'dist', 'server', 'build-info.json')
const scripts = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts

function runBuildScript(): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, encoding: 'utf8' })
  return { status: result.status, stderr: result.stderr }
}

describe('the compiled server (npm start, npm run server)', () => {
  let dataDir: string
  let server: ServerProcess | undefined
  const clients: TestClient[] = []

  beforeAll(() => {
    // What `npm run server` runs first: builds when no build exists or a source changed.
    const build = runBuildScript()
    expect(build.status, build.stderr).toBe(0)
    dataDir = makeTempDir()
  }, 120_000)

  afterAll(async () => {
    for (const client of clients) client.destroy()
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM')
      await server.exited
    }
    removeDir(dataDir)
  })

  it('is what the npm scripts run, each after the build-when-stale hook', () => {
    expect(scripts.server).toBe('node dist/server/cli.js')
    expect(scripts.start).toBe('node dist/server/main.js')
    expect(scripts.preserver).toBe('node scripts/build-server.mjs')
    expect(scripts.prestart).toBe('node scripts/build-server.mjs')
    // Development and the tests stay on the TypeScript sources.
    expect(scripts.dev).toContain('server/bin/main.ts')
  })

  it('is rebuilt when a source is newer than the build, and left alone when not', () => {
    const builtAt = fs.statSync(buildInfo).mtimeMs
    const current = runBuildScript()
    expect(current.status, current.stderr).toBe(0)
    expect(current.stderr).toBe('')
    expect(fs.statSync(buildInfo).mtimeMs).toBe(builtAt)

    // Make the build older than server/bin/cli.ts, as an edit of that file after building would.
    const sourceTime = fs.statSync(path.join(root, 'server', 'bin', 'cli.ts')).mtime
    const before = new Date(sourceTime.getTime() - 60_000)
    fs.utimesSync(buildInfo, before, before)
    const stale = runBuildScript()
    expect(stale.status, stale.stderr).toBe(0)
    expect(stale.stderr).toMatch(/Compiled the server to dist\/server\/ \(.+ changed;/)
    expect(fs.statSync(buildInfo).mtimeMs).toBeGreaterThan(sourceTime.getTime())
  }, 120_000)

  it('starts without TypeScript, answers /healthz and syncs stock y-websocket clients', async () => {
    server = await spawnCompiledServer(['--port', '0', '--storage', 'sqlite', '--data-dir', dataDir])
    const health = await fetch(`${server.httpUrl}/healthz`)
    expect(health.status).toBe(200)

    const writer = await connectSynced(server.wsUrl, 'compiled-sync')
    const reader = await connectSynced(server.wsUrl, 'compiled-sync')
    clients.push(writer, reader)
    writer.doc.getText('probe').insert(0, 'sent through the compiled server')
    await waitFor(() => reader.doc.getText('probe').toString() === 'sent through the compiled server', 'the reader to receive the edit')
  }, 60_000)

  it('loads the document model on first use: content written as Markdown is served as HTML and reaches open editors', async () => {
    const running = server!
    const reader = clients[1]!
    const write = await fetch(`${running.httpUrl}/api/docs/compiled-sync/content`, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/markdown' },
      body: '# Compiled\n\nA paragraph.',
    })
    expect(write.status, await write.text()).toBeLessThan(300)
    const html = await fetch(`${running.httpUrl}/api/docs/compiled-sync/content?format=html`)
    expect(html.status).toBe(200)
    expect(await html.text()).toContain('<h1>Compiled</h1>')
    await waitFor(() => reader.doc.getXmlFragment(CONTENT_FIELD).length > 0, 'the open reader to receive the written content')
    expect(running.output()).not.toMatch(/Error/)
  }, 60_000)
})
