import { isIP } from 'node:net'
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
/** A comma-separated list ("a, b") as an array; empty means none. */
const list = () =>
  z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    )
const optionalText = () => z.string().min(1).optional()

/**
 * Proxy addresses as a list: each entry an IPv4 or IPv6 address ("10.0.0.7", "::1") or a CIDR
 * range ("10.0.0.0/8", "fd00::/8"; the prefix 1–32 or 1–128). Anything else is refused here,
 * at start, rather than trusting nobody in silence.
 */
const proxyList = () =>
  list().superRefine((entries, context) => {
    for (const entry of entries) {
      if (isAddressOrRange(entry)) continue
      context.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not an IP address or CIDR range` })
    }
  })

function isAddressOrRange(entry: string): boolean {
  const slash = entry.indexOf('/')
  const family = isIP(slash === -1 ? entry : entry.slice(0, slash))
  if (family === 0) return false
  if (slash === -1) return true
  const prefix = entry.slice(slash + 1)
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128)
}

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
    description: "Merge a document's update log into its snapshot once it holds this many updates.",
  },
  maxBacklogMessages: {
    flag: 'max-backlog',
    env: 'TANDEM_MAX_BACKLOG',
    schema: int(1).default(1000),
    description: 'Messages a client may send while its document loads; more closes it (4429).',
  },
  maxBacklogBytes: {
    flag: 'max-backlog-bytes',
    env: 'TANDEM_MAX_BACKLOG_BYTES',
    schema: int(1024).default(16 * 1024 * 1024),
    description: 'Bytes a client may send while its document loads; more closes it (4429).',
  },
  maxMessagesPerSecond: {
    flag: 'max-messages-per-second',
    env: 'TANDEM_MAX_MESSAGES_PER_SECOND',
    schema: int(1).default(300),
    description: 'Messages per second per connection; a faster sender is throttled (its socket is paused).',
  },
  maxBytesPerSecond: {
    flag: 'max-bytes-per-second',
    env: 'TANDEM_MAX_BYTES_PER_SECOND',
    schema: int(1024).default(4 * 1024 * 1024),
    description: 'Bytes per second per connection (bursts up to the message size limit); faster is throttled.',
  },
  maxAwarenessPerSecond: {
    flag: 'max-awareness-per-second',
    env: 'TANDEM_MAX_AWARENESS_PER_SECOND',
    schema: int(1).default(30),
    description: 'Presence updates relayed per second per connection; faster ones are coalesced (latest wins).',
  },
  maxAwarenessStateBytes: {
    flag: 'max-awareness-state-bytes',
    env: 'TANDEM_MAX_AWARENESS_STATE_BYTES',
    schema: int(64).default(8 * 1024),
    description: 'Largest presence state of one client (JSON bytes); larger closes the connection (4429).',
  },
  maxConnections: {
    flag: 'max-connections',
    env: 'TANDEM_MAX_CONNECTIONS',
    schema: int(1).default(20_000),
    description: 'Open WebSockets in total; more are refused at the upgrade with HTTP 503.',
  },
  maxConnectionsPerIp: {
    flag: 'max-connections-per-ip',
    env: 'TANDEM_MAX_CONNECTIONS_PER_IP',
    schema: int(1).default(100),
    description: 'Open WebSockets per client address; more are refused with HTTP 429.',
  },
  maxConnectionsPerDocument: {
    flag: 'max-connections-per-document',
    env: 'TANDEM_MAX_CONNECTIONS_PER_DOCUMENT',
    schema: int(1).default(1000),
    description: 'Open WebSockets per document; more are refused with HTTP 429.',
  },
  maxLoadedDocuments: {
    flag: 'max-loaded-documents',
    env: 'TANDEM_MAX_LOADED_DOCUMENTS',
    schema: int(1).default(2000),
    description:
      'Documents held in memory; past it the least recently used one without pending writes is unloaded (its clients get 1013 and reconnect).',
  },
  maxBufferedBytes: {
    flag: 'max-buffered-bytes',
    env: 'TANDEM_MAX_BUFFERED_BYTES',
    schema: int(1024).default(16 * 1024 * 1024),
    description: 'Unsent bytes queued for one connection; a slower reader is closed with 1013.',
  },
  handshakeTimeoutMs: {
    flag: 'handshake-timeout-ms',
    env: 'TANDEM_HANDSHAKE_TIMEOUT_MS',
    schema: int(100).default(10_000),
    description: 'Time a client has to send its complete HTTP request or upgrade (slowloris).',
  },
  shutdownTimeoutMs: {
    flag: 'shutdown-timeout-ms',
    env: 'TANDEM_SHUTDOWN_TIMEOUT_MS',
    schema: int(100).default(10_000),
    description: 'On SIGTERM, exit within this time whatever happens.',
  },
  drainSpreadMs: {
    flag: 'drain-spread-ms',
    env: 'TANDEM_DRAIN_SPREAD_MS',
    schema: int(0).default(2_000),
    description: 'On SIGTERM, close clients at random moments over this window, so a fleet restart causes no reconnect storm.',
  },
  authSecret: {
    flag: 'auth-secret',
    env: 'TANDEM_AUTH_SECRET',
    schema: z.string().min(32, 'use at least 32 characters').optional(),
    description: 'HS256 secret: when set, every connection and /api call needs a signed token.',
  },
  authPublicKeyFile: {
    flag: 'auth-public-key-file',
    env: 'TANDEM_AUTH_PUBLIC_KEY_FILE',
    schema: optionalText(),
    description: 'PEM public key to verify RS256/ES256 tokens minted by another service (instead of a secret).',
  },
  authAlgorithm: {
    flag: 'auth-algorithm',
    env: 'TANDEM_AUTH_ALGORITHM',
    schema: z.enum(['RS256', 'ES256']).default('RS256'),
    description: 'Algorithm of tokens verified with the public key.',
  },
  adminSecret: {
    flag: 'admin-secret',
    env: 'TANDEM_ADMIN_SECRET',
    schema: z.string().min(32, 'use at least 32 characters').optional(),
    description: 'Bearer secret of the admin API (revocation); defaults to the auth secret.',
  },
  allowedOrigins: {
    flag: 'allowed-origins',
    env: 'TANDEM_ALLOWED_ORIGINS',
    schema: list(),
    description: 'Comma-separated Origins allowed to open WebSockets (empty: any).',
  },
  trustedProxies: {
    flag: 'trusted-proxies',
    env: 'TANDEM_TRUSTED_PROXIES',
    schema: proxyList(),
    description: 'Comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For is believed for per-address limits.',
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
    // An empty value means "not set", so `FOO= npm start` falls back to the default.
    const given = flags[spec.flag] ?? env[spec.env]
    const raw = given === '' ? undefined : given
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

/**
 * For the command-line entry points: prints --help and returns null, or exits with code 2
 * and the message on a bad setting, or returns the config.
 */
export function configFromCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): Config | null {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(configHelp(command))
    return null
  }
  try {
    return parseConfig(argv, env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(2)
  }
}
