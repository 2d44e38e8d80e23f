import { parseArgs } from 'node:util'
import { z } from 'zod'

/**
 * Every setting of the server, parsed once at start from flags and environment variables
 * (a flag wins over its variable). Nothing else in the server reads process.env.
 */
interface SettingSpec {
  readonly flag: string
  readonly env: string
  readonly schema: z.ZodType
  readonly description: string
}

const int = (min: number) => z.coerce.number().int().min(min)

const SETTINGS = {
  port: {
    flag: 'port',
    env: 'PORT',
    schema: int(0).max(65535).default(3000),
    description: 'TCP port to listen on (0 picks a free one).',
  },
  host: {
    flag: 'host',
    env: 'TANDEM_HOST',
    schema: z.string().min(1).default('0.0.0.0'),
    description: 'Interface to listen on.',
  },
  dataDir: {
    flag: 'data-dir',
    env: 'TANDEM_DATA_DIR',
    schema: z.string().min(1).default('./data'),
    description: 'Directory of the SQLite database (tandem.db).',
  },
  storage: {
    flag: 'storage',
    env: 'TANDEM_STORAGE',
    schema: z.enum(['sqlite', 'memory']).default('sqlite'),
    description: 'Storage backend: sqlite (default, durable) or memory (nothing survives a restart).',
  },
  sqliteSynchronous: {
    flag: 'sqlite-synchronous',
    env: 'TANDEM_SQLITE_SYNCHRONOUS',
    schema: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
    description: 'NORMAL survives a process crash; FULL also survives power loss (fsync per commit).',
  },
  maxMessageBytes: {
    flag: 'max-message-bytes',
    env: 'TANDEM_MAX_MESSAGE_BYTES',
    schema: int(1024).default(10 * 1024 * 1024),
    description: 'Largest WebSocket message accepted; larger ones close the connection with 1009.',
  },
  heartbeatMs: {
    flag: 'heartbeat-ms',
    env: 'TANDEM_HEARTBEAT_MS',
    schema: int(100).default(4000),
    description: 'Ping interval; a peer that answers no ping for two intervals is closed (4408).',
  },
  compactAfterUpdates: {
    flag: 'compact-after',
    env: 'TANDEM_COMPACT_AFTER',
    schema: int(1).default(500),
    description: 'Merge a document\'s update log into its snapshot once it holds this many updates.',
  },
  maxBacklogMessages: {
    flag: 'max-backlog',
    env: 'TANDEM_MAX_BACKLOG',
    schema: int(1).default(1000),
    description: 'Messages a client may send while its document loads; more closes it (4429).',
  },
  logLevel: {
    flag: 'log-level',
    env: 'TANDEM_LOG_LEVEL',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    description: 'Log level of the JSON logs on stdout.',
  },
} as const satisfies Record<string, SettingSpec>

type Settings = typeof SETTINGS
export type Config = { readonly [K in keyof Settings]: z.output<Settings[K]['schema']> }

/** Thrown for a bad flag or variable; the message names it and says what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config {
  const options: Record<string, { type: 'string' }> = {}
  for (const spec of Object.values(SETTINGS)) options[spec.flag] = { type: 'string' }
  let flags: Record<string, string | boolean | undefined>
  try {
    flags = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\nRun with --help to list the settings.`)
  }
  const result: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(SETTINGS) as Array<[string, SettingSpec]>) {
    const raw = flags[spec.flag] ?? (env[spec.env] === '' ? undefined : env[spec.env])
    const parsed = spec.schema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]?.message ?? 'invalid value'
      throw new ConfigError(`--${spec.flag} / ${spec.env}: ${issue} (got ${JSON.stringify(raw)})`)
    }
    result[key] = parsed.data
  }
  return result as Config
}

/** The --help text: every setting with its flag, variable and default. */
export function configHelp(command: string): string {
  const lines = [`Usage: ${command} [--flag value …]`, '', 'Every flag can also be set by its environment variable.', '']
  for (const spec of Object.values(SETTINGS) as SettingSpec[]) {
    const fallback = spec.schema.safeParse(undefined)
    const shown = fallback.success ? ` (default: ${String(fallback.data)})` : ''
    lines.push(`  --${spec.flag.padEnd(20)} ${spec.env.padEnd(26)} ${spec.description}${shown}`)
  }
  return lines.join('\n')
}

/** The settings table, for tests that keep the README in step. */
export function settingNames(): Array<{ flag: string; env: string }> {
  return Object.values(SETTINGS).map((spec) => ({ flag: spec.flag, env: spec.env }))
}
