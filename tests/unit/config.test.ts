import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, configHelp, parseConfig, settingNames } from '../../server/config'

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

  it('names the setting in its error', () => {
    expect(() => parseConfig(['--port', 'abc'], {})).toThrow(/--port \/ PORT/)
    expect(() => parseConfig([], { TANDEM_STORAGE: 'floppy' })).toThrow(/TANDEM_STORAGE/)
    expect(() => parseConfig(['--nope', '1'], {})).toThrow(ConfigError)
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
