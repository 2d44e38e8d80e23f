import { afterEach, describe, expect, it } from 'vitest'
import { TokenService } from '../../server/auth/tokens'
import { runToExit, type ServerProcess, spawnServer } from '../helpers/server-process'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { TEST_SECRET } from '../helpers/tokens'

/**
 * The command-line entry points as a person or a log collector meets them: the start banner in
 * both log formats, the open-mode warning (Z8), --help, and `npm run token`.
 */

const processes: ServerProcess[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const server of processes.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    await server.exited
  }
  for (const dir of dirs.splice(0)) removeDir(dir)
})

async function start(args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = makeTempDir('tandem-entry-')
  dirs.push(dataDir)
  const server = await spawnServer(['--port', '0', '--data-dir', dataDir, ...args], env)
  processes.push(server)
  return server
}

/** Stops the server with SIGTERM and returns everything it printed on stdout and stderr. */
async function stop(server: ServerProcess): Promise<string> {
  server.child.kill('SIGTERM')
  expect(await server.exited).toBe(0)
  return server.output()
}

describe('start banner', () => {
  it('[Z8][O3] without a terminal: JSON lines only; the banner is one info line with the facts (whatever the level), open mode one warn line after it', async () => {
    const server = await start([], { TANDEM_LOG_LEVEL: 'warn' })
    const lines = (await stop(server))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    const at = lines.findIndex((line) => line.msg === `Tandem sync server on ws://127.0.0.1:${server.port}`)
    expect(at, 'the banner line').toBeGreaterThanOrEqual(0)
    expect(lines[at]).toMatchObject({
      level: 30,
      url: `ws://127.0.0.1:${server.port}`,
      documents: [`ws://127.0.0.1:${server.port}/<docId>`, `ws://127.0.0.1:${server.port}/collab/<docId>`],
      storage: 'sqlite',
      database: expect.stringMatching(/tandem-entry-[^/]+\/tandem\.db$/),
      mode: 'sync server',
      auth: 'open',
    })
    expect(lines[at + 1]).toMatchObject({
      level: 40,
      msg: expect.stringMatching(/^OPEN MODE: .*anyone who can reach this server can read, edit and delete/),
    })
  })

  it('[Z8] at a terminal (forced here with --log-format pretty): a readable block, the open-mode warning in a box', async () => {
    const server = await start(['--log-format', 'pretty'], { TANDEM_LOG_LEVEL: 'info' })
    const output = await stop(server)
    expect(output).not.toMatch(/^\{/m)
    expect(output).toContain(`  Tandem sync server on ws://127.0.0.1:${server.port}\n`)
    expect(output).toMatch(/^ {4}documents {2}ws:\/\/127\.0\.0\.1:\d+\/<docId> {2}or {2}ws:\/\/127\.0\.0\.1:\d+\/collab\/<docId>$/m)
    expect(output).toMatch(/^ {4}data {7}\/.*tandem-entry-[^/]+\/tandem\.db \(SQLite\)$/m)
    expect(output).toMatch(/^ {4}mode {7}sync server only \(no app\)$/m)
    expect(output).toMatch(/^ {4}auth {7}none: open mode$/m)
    // The box: a top and a bottom edge of one width, the warning inside.
    const box = output.split('\n').filter((line) => /^ {2}[╭│╰]/.test(line))
    expect(box[0]).toMatch(/^ {2}╭─+╮$/)
    expect(box.at(-1)).toMatch(/^ {2}╰─+╯$/)
    expect(new Set(box.map((line) => line.length)).size).toBe(1)
    expect(box[1]).toMatch(/^ {2}│ OPEN MODE +│$/)
    const text = box
      .slice(2, -1)
      .map((line) => line.slice(4, -2).trim())
      .join(' ')
    expect(text).toBe(
      'No TANDEM_AUTH_SECRET or TANDEM_AUTH_PUBLIC_KEY_FILE is set, so anyone who can reach this server can read, edit ' +
        'and delete every document. Set one before exposing it to a network.',
    )
    // Log lines read like lines, not JSON: the shutdown at info level.
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: shutting down/m)
  })

  it('with auth on there is no warning; memory storage says so', async () => {
    const server = await start(['--log-format', 'pretty', '--storage', 'memory'], { TANDEM_AUTH_SECRET: TEST_SECRET })
    const output = await stop(server)
    expect(output).toMatch(/^ {4}auth {7}tokens signed with TANDEM_AUTH_SECRET \(HS256\)$/m)
    expect(output).toMatch(/^ {4}data {7}in memory \(nothing survives a restart\)$/m)
    expect(output).not.toContain('OPEN MODE')
  })
})

describe('npm run server -- --help', () => {
  it('prints the settings table and exits 0 without starting anything', async () => {
    const help = await runToExit('cli', ['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: npm run server -- /)
    expect(help.stdout).toMatch(/^ {2}FLAG +VARIABLE +DEFAULT +DESCRIPTION$/m)
    expect(help.stdout).toMatch(/^ {2}--log-format +TANDEM_LOG_FORMAT +auto +auto: /m)
  })
})

describe('npm run server on PostgreSQL', () => {
  it('[D14] a database that does not answer stops the start: one line naming it (password hidden), exit code 1', async () => {
    const result = await runToExit(
      'cli',
      [],
      { PORT: '0', TANDEM_DATABASE_URL: 'postgres://tandem:hunter2@127.0.0.1:1/tandem' },
      /Tandem sync/,
    )
    expect(result.code).toBe(1)
    expect(result.stderr.trimEnd()).toMatch(
      /^PostgreSQL at postgres:\/\/tandem:\*\*\*@127\.0\.0\.1:1\/tandem could not be opened: .*ECONNREFUSED/,
    )
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.stderr).not.toContain('hunter2')
  })
})

describe('npm run token', () => {
  it('mints a token the server accepts: the token alone on stdout, expiry and link on stderr', async () => {
    const result = await runToExit(
      'token-cli',
      ['--sub', 'ada', '--name', 'Ada', '--docs', 'a, team-*', '--role', 'viewer', '--days', '2'],
      {
        TANDEM_AUTH_SECRET: TEST_SECRET,
      },
    )
    expect(result.code).toBe(0)
    const token = result.stdout.trim()
    expect(result.stdout).toBe(`${token}\n`)
    const identity = await new TokenService({ kind: 'secret', secret: TEST_SECRET }).verify(token)
    expect(identity).toMatchObject({ userId: 'ada', name: 'Ada', role: 'viewer', docs: ['a', 'team-*'] })
    expect(identity.expiresAt - Date.now()).toBeGreaterThan(2 * 24 * 3600_000 - 60_000)
    expect(result.stderr).toBe(`expires ${new Date(identity.expiresAt).toISOString()}; open http://localhost:3000/?token=${token}\n`)
  })

  it('refuses bad input with one line naming the flag, exit code 2', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--sub', 'ada', '--role', 'boss'], { TANDEM_AUTH_SECRET: TEST_SECRET }, /^--role: .*\(got "boss"\)$/],
      [['--sub', 'ada'], { TANDEM_AUTH_SECRET: '' }, /^--auth-secret \/ TANDEM_AUTH_SECRET is required/],
      [['--name', 'Ada'], { TANDEM_AUTH_SECRET: TEST_SECRET }, /^--sub is required/],
    ]
    const results = await Promise.all(cases.map(([argv, env]) => runToExit('token-cli', argv, env)))
    for (const [index, result] of results.entries()) {
      const [argv, , expected] = cases[index]!
      expect(result.code, argv.join(' ')).toBe(2)
      expect(result.stdout, argv.join(' ')).toBe('')
      expect(result.stderr.trimEnd(), argv.join(' ')).toMatch(expected)
      expect(result.stderr.trimEnd().split('\n'), argv.join(' ')).toHaveLength(1)
    }
  })
})
