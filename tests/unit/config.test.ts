import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, configHelp, parseConfig, parseTokenRequest, settingNames, tokenHelp } from '../../server/config'

const SECRET = 'a-test-secret-of-at-least-32-characters'

/** The column where each of a help table's header words starts. */
function headerColumns(help: string): { env: number; fallback: number; description: number } {
  const header = help.split('\n').find((line) => line.trimStart().startsWith('FLAG'))
  if (!header) throw new Error('no header row')
  return { env: header.indexOf('VARIABLE'), fallback: header.indexOf('DEFAULT'), description: header.indexOf('DESCRIPTION') }
}

describe('config', () => {
  it('has documented defaults', () => {
    const config = parseConfig([], {})
    expect(config).toMatchObject({
      port: 3000,
      dataDir: './data',
      storage: 'sqlite',
      maxMessageBytes: 10 * 1024 * 1024,
      heartbeatMs: 4000,
      compactAfterUpdates: 500,
    })
  })

  it('reads environment variables, and a flag wins over its variable', () => {
    const env = { PORT: '4000', TANDEM_DATA_DIR: '/tmp/x', TANDEM_STORAGE: 'memory' }
    expect(parseConfig([], env)).toMatchObject({ port: 4000, dataDir: '/tmp/x', storage: 'memory' })
    expect(parseConfig(['--port', '5000', '--data-dir', '/tmp/y'], env)).toMatchObject({ port: 5000, dataDir: '/tmp/y' })
  })

  it('a database URL selects PostgreSQL; postgres without one, or another backend with one, is refused', () => {
    const url = 'postgres://tandem:pw@db:5432/tandem'
    expect(parseConfig([], { TANDEM_DATABASE_URL: url })).toMatchObject({ storage: 'postgres', databaseUrl: url, databasePoolSize: 10 })
    expect(parseConfig(['--database-url', url, '--storage', 'postgres', '--database-pool-size', '3'], {})).toMatchObject({
      storage: 'postgres',
      databasePoolSize: 3,
    })
    // The data directory may still be set; it is not used for documents.
    expect(parseConfig([], { TANDEM_DATABASE_URL: url, TANDEM_DATA_DIR: '/tmp/d' })).toMatchObject({ storage: 'postgres' })
    expect(() => parseConfig(['--storage', 'postgres'], {})).toThrow(/postgres needs --database-url \/ TANDEM_DATABASE_URL/)
    expect(() => parseConfig(['--storage', 'memory'], { TANDEM_DATABASE_URL: url })).toThrow(/memory contradicts --database-url/)
    expect(() => parseConfig(['--database-pool-size', '0'], { TANDEM_DATABASE_URL: url })).toThrow(/TANDEM_DATABASE_POOL_SIZE/)
  })

  it('names the setting in its error', () => {
    expect(() => parseConfig(['--port', 'abc'], {})).toThrow(/--port \/ PORT/)
    expect(() => parseConfig([], { TANDEM_STORAGE: 'floppy' })).toThrow(/TANDEM_STORAGE/)
    expect(() => parseConfig(['--nope', '1'], {})).toThrow(ConfigError)
  })

  it('says what is wrong in one line, and never echoes a secret', () => {
    const messages = [
      () => parseConfig(['--nope', '1'], {}),
      () => parseConfig(['--port', '-1'], {}),
      () => parseConfig(['stray'], {}),
      () => parseConfig([], { TANDEM_LOG_FORMAT: 'xml' }),
      () => parseConfig([], { TANDEM_AUTH_SECRET: 'hunter2' }),
    ].map((parse) => {
      try {
        parse()
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError)
        return (err as Error).message
      }
      throw new Error('no error')
    })
    for (const message of messages) expect(message).not.toContain('\n')
    expect(messages[3]).toMatch(/--log-format \/ TANDEM_LOG_FORMAT/)
    expect(messages[4]).toMatch(/TANDEM_AUTH_SECRET: use at least 32 characters \(got 7 characters\)/)
    expect(messages[4]).not.toContain('hunter2')
  })

  it('log format: auto unless forced', () => {
    expect(parseConfig([], {}).logFormat).toBe('auto')
    expect(parseConfig([], { TANDEM_LOG_FORMAT: 'json' }).logFormat).toBe('json')
    expect(parseConfig(['--log-format', 'pretty'], { TANDEM_LOG_FORMAT: 'json' }).logFormat).toBe('pretty')
  })

  it('--help aligns flag, variable, default and description in columns, long descriptions wrapped under theirs', () => {
    for (const width of [100, 200]) {
      const help = configHelp('npm run server --', width)
      const columns = headerColumns(help)
      const lines = help.split('\n')
      for (const { flag, env } of settingNames()) {
        const row = lines.find((line) => line.startsWith(`  --${flag} `))
        expect(row, `row of --${flag}`).toBeDefined()
        expect(row!.indexOf(env), `variable of --${flag}`).toBe(columns.env)
        // The default starts its column, the description its own, with at least two spaces between.
        expect(row!.slice(columns.env + env.length, columns.fallback).trim(), `--${flag}`).toBe('')
        expect(row![columns.fallback], `default of --${flag}`).not.toBe(' ')
        expect(row!.slice(columns.description - 2, columns.description), `--${flag}`).toBe('  ')
        expect(row![columns.description], `description of --${flag}`).not.toBe(' ')
      }
      // Continuation lines start exactly under the description column.
      const continuations = lines.filter((line) => line.startsWith(' '.repeat(columns.description)))
      expect(continuations.length).toBeGreaterThan(0)
      for (const line of continuations) expect(line[columns.description]).not.toBe(' ')
      // Every line of the table is a row, a continuation or the header.
      const table = lines.slice(lines.findIndex((line) => line.trimStart().startsWith('FLAG')))
      expect(table.length).toBe(1 + settingNames().length + continuations.length)
    }
    // Wide enough: nothing runs past the width.
    for (const line of configHelp('npm run server --', 200).split('\n')) expect(line.length).toBeLessThanOrEqual(200)
  })

  it('--help lists every flag and variable, and the README documents every variable', () => {
    const help = configHelp('npm run server --')
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8')
    for (const { flag, env } of settingNames()) {
      expect(help).toContain(`--${flag}`)
      expect(help).toContain(env)
      expect(readme).toContain(`\`${env}\``)
    }
  })
})

describe('token command settings', () => {
  it('has the documented defaults and reads the secret from TANDEM_AUTH_SECRET', () => {
    expect(parseTokenRequest(['--sub', 'ada'], { TANDEM_AUTH_SECRET: SECRET })).toEqual({
      sub: 'ada',
      name: undefined,
      docs: ['*'],
      role: 'editor',
      days: 30,
      url: 'http://localhost:3000',
      authSecret: SECRET,
    })
    expect(
      parseTokenRequest(['--sub', 'ada', '--name', 'Ada', '--docs', 'a, team-*', '--role', 'viewer', '--days', '0.5'], {
        TANDEM_AUTH_SECRET: SECRET,
      }),
    ).toMatchObject({ name: 'Ada', docs: ['a', 'team-*'], role: 'viewer', days: 0.5 })
  })

  it('refuses bad input with a one-line message naming the flag', () => {
    const env = { TANDEM_AUTH_SECRET: SECRET }
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--sub', 'ada'], {}, /^--auth-secret \/ TANDEM_AUTH_SECRET is required/],
      [
        ['--sub', 'ada'],
        { TANDEM_AUTH_SECRET: 'short' },
        /^--auth-secret \/ TANDEM_AUTH_SECRET: use at least 32 characters \(got 5 characters\)$/,
      ],
      [[], env, /^--sub is required/],
      [['--sub', 'ada', '--role', 'boss'], env, /^--role: .*"viewer"\|"commenter"\|"editor".*\(got "boss"\)$/],
      [['--sub', 'ada', '--days', 'soon'], env, /^--days: expected a number of days/],
      [['--sub', 'ada', '--days', '0'], env, /^--days: must be more than 0/],
      [['--sub', 'ada', '--url', 'localhost'], env, /^--url: expected a URL/],
      [['--sub', 'ada', '--port', '1'], env, /^Unknown option '--port'/],
    ]
    for (const [argv, environment, expected] of cases) {
      expect(() => parseTokenRequest(argv, environment), argv.join(' ')).toThrow(ConfigError)
      expect(() => parseTokenRequest(argv, environment), argv.join(' ')).toThrow(expected)
    }
  })

  it('--help lists every flag in the same columns', () => {
    const help = tokenHelp('npm run token --')
    const columns = headerColumns(help)
    for (const flag of ['sub', 'name', 'docs', 'role', 'days', 'url', 'auth-secret']) {
      const row = help.split('\n').find((line) => line.startsWith(`  --${flag} `))
      expect(row, flag).toBeDefined()
      expect(row![columns.description - 1], flag).toBe(' ')
      expect(row![columns.description], flag).not.toBe(' ')
    }
  })
})
