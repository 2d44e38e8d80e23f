import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { claimsSchema } from './auth/claims'
import { wrapWords } from './text-wrap'
import { parseDelays } from './webhooks/backoff'
import { WEBHOOK_SECRET_PATTERN } from './webhooks/signing'

/**
 * Every setting of the server and of the token command, parsed once at start from flags and
 * environment variables (a flag wins over its variable). Nothing else reads process.env.
 */
interface SettingSpec {
  readonly flag: string
  /** The environment variable; settings of one run only (the token's subject) have none. */
  readonly env?: string
  readonly schema: z.ZodType
  readonly description: string
  /** What --help shows as the default when the schema's own (often none) says too little. */
  readonly shownDefault?: string
  /** Never echoed in an error message (it may be a real secret with a typo). */
  readonly secret?: boolean
}

type SettingsTable = Readonly<Record<string, SettingSpec>>
type Parsed<T extends SettingsTable> = { readonly [K in keyof T]: z.output<T[K]['schema']> }

const int = (min: number) => z.coerce.number().int().min(min)
/** A comma-separated list ("a, b") as an array; empty means none. */
const list = (fallback = '') =>
  z
    .string()
    .default(fallback)
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

/**
 * Web origins as a list ("https://app.example.com", "http://localhost:8080"): scheme, host and
 * port only. A path, a wildcard or a typo is refused at start, since a browser would silently
 * never match it.
 */
const originList = () =>
  list().superRefine((entries, context) => {
    for (const entry of entries) {
      if (isOrigin(entry)) continue
      context.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not an origin such as https://app.example.com` })
    }
  })

function isOrigin(entry: string): boolean {
  // A wildcard host would do for frame-ancestors but not for postMessage's exact target origin.
  if (entry.includes('*')) return false
  try {
    const url = new URL(entry)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === entry
  } catch {
    return false
  }
}

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
    description: 'Directory of the SQLite database (tandem.db); one server at a time may use it.',
  },
  storage: {
    flag: 'storage',
    env: 'TANDEM_STORAGE',
    schema: z.enum(['sqlite', 'memory', 'postgres']).optional(),
    description:
      'Storage backend: sqlite (durable, one server), postgres (the default when a database URL is set; several servers may share it) or memory (nothing survives a restart).',
    shownDefault: 'sqlite',
  },
  databaseUrl: {
    flag: 'database-url',
    env: 'TANDEM_DATABASE_URL',
    schema: optionalText(),
    description:
      'PostgreSQL connection URL (postgres://user:password@host:5432/db): when set, documents and revocations live there, not in the data directory.',
    shownDefault: 'unset',
    secret: true,
  },
  databasePoolSize: {
    flag: 'database-pool-size',
    env: 'TANDEM_DATABASE_POOL_SIZE',
    schema: int(1).default(10),
    description: 'PostgreSQL connections each server keeps open at most.',
  },
  redisUrl: {
    flag: 'redis-url',
    env: 'TANDEM_REDIS_URL',
    schema: optionalText(),
    description:
      'Redis URL (redis://host:6379): servers with the same database URL and Redis URL form one cluster and relay edits, presence, deletions and revocations to each other. Needs PostgreSQL.',
    shownDefault: 'unset',
    secret: true,
  },
  sqliteSynchronous: {
    flag: 'sqlite-synchronous',
    env: 'TANDEM_SQLITE_SYNCHRONOUS',
    schema: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
    description: 'NORMAL survives a process crash; FULL also survives power loss (fsync per commit).',
  },
  commitWindowMs: {
    flag: 'commit-window-ms',
    env: 'TANDEM_COMMIT_WINDOW_MS',
    schema: int(0).default(5),
    description:
      'Under load, storage commits start at least this far apart and each carries every update that arrived meanwhile (fewer, larger transactions); an idle server commits at the end of the turn. 0 commits every turn.',
  },
  maxMessageBytes: {
    flag: 'max-message-bytes',
    env: 'TANDEM_MAX_MESSAGE_BYTES',
    schema: int(1024).default(10 * 1024 * 1024),
    description: 'Largest WebSocket message accepted; larger ones close the connection with 1009.',
  },
  maxUploadBytes: {
    flag: 'max-upload-bytes',
    env: 'TANDEM_MAX_UPLOAD_BYTES',
    schema: int(1024).default(10 * 1024 * 1024),
    description: 'Largest image uploaded (or fetched from a URL) into a document; larger is refused with 413.',
  },
  filesAllowPrivate: {
    flag: 'files-allow-private',
    env: 'TANDEM_FILES_ALLOW_PRIVATE',
    schema: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    description:
      'Let the server fetch images by URL from loopback, private, link-local and CGNAT addresses (local use and tests; refused otherwise).',
  },
  heartbeatMs: {
    flag: 'heartbeat-ms',
    env: 'TANDEM_HEARTBEAT_MS',
    schema: int(100).default(4000),
    description: 'Ping and keepalive interval; a peer that answers no ping for two intervals is closed (4408).',
  },
  compactAfterUpdates: {
    flag: 'compact-after',
    env: 'TANDEM_COMPACT_AFTER',
    schema: int(1).default(500),
    description: "Merge a document's update log into its snapshot once it holds this many updates.",
  },
  versionIntervalMs: {
    flag: 'version-interval-ms',
    env: 'TANDEM_VERSION_INTERVAL_MS',
    schema: int(0).default(600_000),
    description:
      'While a document is edited, save an automatic version of it at most this often (only if it changed); 0 turns automatic versions off.',
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
    shownDefault: 'unset',
    secret: true,
  },
  authPublicKeyFile: {
    flag: 'auth-public-key-file',
    env: 'TANDEM_AUTH_PUBLIC_KEY_FILE',
    schema: optionalText(),
    description: 'PEM public key to verify RS256/ES256 tokens minted by another service (instead of a secret).',
    shownDefault: 'unset',
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
    shownDefault: 'auth secret',
    secret: true,
  },
  allowedOrigins: {
    flag: 'allowed-origins',
    env: 'TANDEM_ALLOWED_ORIGINS',
    schema: list(),
    description: 'Comma-separated Origins allowed to open WebSockets (empty: any).',
    shownDefault: 'any',
  },
  embedOrigins: {
    flag: 'embed-origins',
    env: 'TANDEM_EMBED_ORIGINS',
    schema: originList(),
    description:
      'Comma-separated origins of pages that may embed /embed/<docId> in an iframe and talk to it (empty: any without auth, none with auth).',
    shownDefault: 'any (auth: none)',
  },
  trustedProxies: {
    flag: 'trusted-proxies',
    env: 'TANDEM_TRUSTED_PROXIES',
    schema: proxyList(),
    description: 'Comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For is believed for per-address limits.',
    shownDefault: 'none',
  },
  webhookUrl: {
    flag: 'webhook-url',
    env: 'TANDEM_WEBHOOK_URL',
    schema: z.url({ protocol: /^https?$/, error: 'expected an http or https URL' }).optional(),
    description: 'An endpoint that receives every webhook event, besides those registered through the admin API. Needs the secret too.',
    shownDefault: 'unset',
  },
  webhookSecret: {
    flag: 'webhook-secret',
    env: 'TANDEM_WEBHOOK_SECRET',
    schema: z.string().regex(WEBHOOK_SECRET_PATTERN, 'expected whsec_ and a base64 key').optional(),
    description: 'Signing secret of --webhook-url, in the Standard Webhooks form (whsec_ and base64).',
    shownDefault: 'unset',
    secret: true,
  },
  webhookAllowPrivate: {
    flag: 'webhook-allow-private',
    env: 'TANDEM_WEBHOOK_ALLOW_PRIVATE',
    schema: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    description: 'Let webhooks reach loopback, private, link-local and CGNAT addresses (local use and tests; refused otherwise).',
  },
  webhookTimeoutMs: {
    flag: 'webhook-timeout-ms',
    env: 'TANDEM_WEBHOOK_TIMEOUT_MS',
    schema: int(100).max(15_000).default(15_000),
    description: 'Time a webhook receiver has to answer one attempt.',
  },
  webhookRetryDelays: {
    flag: 'webhook-retry-delays',
    env: 'TANDEM_WEBHOOK_RETRY_DELAYS',
    schema: z
      .string()
      .default('5s,5m,30m,2h,5h,10h,10h')
      .transform((value, context) => {
        try {
          return parseDelays(value)
        } catch (err) {
          context.addIssue({ code: 'custom', message: (err as Error).message })
          return z.NEVER
        }
      }),
    description: 'Waits between the attempts of a failed webhook delivery (ms, s, m, h; jitter added); after the last it fails.',
  },
  logLevel: {
    flag: 'log-level',
    env: 'TANDEM_LOG_LEVEL',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    description: 'Lowest level of the logs on stdout.',
  },
  logFormat: {
    flag: 'log-format',
    env: 'TANDEM_LOG_FORMAT',
    schema: z.enum(['auto', 'pretty', 'json']).default('auto'),
    description: 'auto: readable lines when stdout is a terminal, JSON lines (for log collectors) otherwise; or force pretty or json.',
  },
} as const satisfies SettingsTable

type StorageKind = 'sqlite' | 'memory' | 'postgres'

/** The settings, with the storage backend resolved (a database URL selects postgres). */
export type Config = Omit<Parsed<typeof SETTINGS>, 'storage'> & { readonly storage: StorageKind }

/**
 * `npm run token`: what to put in the token (checked against the claims schema the server
 * verifies with, so a token it mints is one the server accepts) and the secret to sign it with.
 */
const TOKEN_SETTINGS = {
  sub: {
    flag: 'sub',
    schema: claimsSchema.shape.sub,
    description: "User id (the token's sub claim).",
    shownDefault: 'required',
  },
  name: {
    flag: 'name',
    schema: claimsSchema.shape.name,
    description: 'Display name others see; without it the person picks one.',
    shownDefault: 'unset',
  },
  docs: {
    flag: 'docs',
    schema: list('*').pipe(claimsSchema.shape.docs),
    description: "Comma-separated document ids and prefix* patterns, or '*' for every document.",
  },
  role: {
    flag: 'role',
    schema: claimsSchema.shape.role.default('editor'),
    description: 'viewer, commenter or editor.',
  },
  days: {
    flag: 'days',
    schema: z.coerce.number({ error: 'expected a number of days' }).positive('must be more than 0').default(30),
    description: 'Days until the token expires.',
  },
  url: {
    flag: 'url',
    schema: z.url({ error: 'expected a URL such as https://docs.example.com' }).default('http://localhost:3000'),
    description: 'Address of the app, for the printed link.',
  },
  authSecret: {
    ...SETTINGS.authSecret,
    schema: z.string({ error: 'set it to the secret the server uses' }).min(32, 'use at least 32 characters'),
    description: 'HS256 secret of the server that will verify the token.',
    shownDefault: 'required',
  },
} as const satisfies SettingsTable

export type TokenRequest = Parsed<typeof TOKEN_SETTINGS>

/** Thrown for a bad flag or variable; the one-line message names it and says what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

function parseSettings<T extends SettingsTable>(
  table: T,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Parsed<T> {
  const options: Record<string, { type: 'string' }> = {}
  for (const spec of Object.values(table)) options[spec.flag] = { type: 'string' }
  let flags: Record<string, string | boolean | undefined>
  try {
    flags = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values
  } catch (err) {
    // Node's message names the flag, over several lines, and may suggest `--` for positionals,
    // which means nothing here.
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ')
    throw new ConfigError(`${message} (--help lists the settings)`)
  }
  const result: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(table)) {
    // An empty value means "not set", so `FOO= npm start` falls back to the default.
    const given = flags[spec.flag] ?? (spec.env ? env[spec.env] : undefined)
    const raw = given === '' ? undefined : given
    const parsed = spec.schema.safeParse(raw)
    if (!parsed.success) {
      const name = spec.env ? `--${spec.flag} / ${spec.env}` : `--${spec.flag}`
      if (raw === undefined) throw new ConfigError(`${name} is required: ${spec.description}`)
      const issue = parsed.error.issues[0]?.message ?? 'invalid value'
      const got = spec.secret && typeof raw === 'string' ? `${raw.length} characters` : JSON.stringify(raw)
      throw new ConfigError(`${name}: ${issue} (got ${got})`)
    }
    result[key] = parsed.data
  }
  return result as Parsed<T>
}

export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config {
  const settings = parseSettings(SETTINGS, argv, env)
  const storage = settings.storage ?? (settings.databaseUrl ? 'postgres' : 'sqlite')
  if (storage === 'postgres' && !settings.databaseUrl) {
    throw new ConfigError('--storage / TANDEM_STORAGE: postgres needs --database-url / TANDEM_DATABASE_URL')
  }
  if (storage !== 'postgres' && settings.databaseUrl) {
    throw new ConfigError(
      `--storage / TANDEM_STORAGE: ${storage} contradicts --database-url / TANDEM_DATABASE_URL (documents would not go to PostgreSQL); unset one of them`,
    )
  }
  if (settings.redisUrl && storage !== 'postgres') {
    throw new ConfigError(
      '--redis-url / TANDEM_REDIS_URL: a cluster shares its documents in PostgreSQL; set --database-url / TANDEM_DATABASE_URL too (each SQLite server keeps its own documents)',
    )
  }
  if ((settings.webhookUrl === undefined) !== (settings.webhookSecret === undefined)) {
    throw new ConfigError(
      '--webhook-url / TANDEM_WEBHOOK_URL and --webhook-secret / TANDEM_WEBHOOK_SECRET go together: set both or neither',
    )
  }
  return { ...settings, storage }
}

export function parseTokenRequest(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): TokenRequest {
  return parseSettings(TOKEN_SETTINGS, argv, env)
}

/** Help columns never get narrower than this, whatever the terminal's width. */
const MIN_DESCRIPTION_WIDTH = 40
/** …nor wider: long lines are hard to read. */
const MAX_DESCRIPTION_WIDTH = 72

function shownDefault(spec: SettingSpec): string {
  if (spec.shownDefault) return spec.shownDefault
  const fallback = spec.schema.safeParse(undefined)
  return fallback.success && fallback.data !== undefined ? String(fallback.data) : 'unset'
}

/** The settings as aligned columns (flag, variable, default, description), wrapped to `width`. */
function settingsTable(table: SettingsTable, width: number): string[] {
  const rows = Object.values(table).map((spec) => ({
    flag: `--${spec.flag}`,
    env: spec.env ?? '',
    fallback: shownDefault(spec),
    description: spec.description,
  }))
  const header = { flag: 'FLAG', env: 'VARIABLE', fallback: 'DEFAULT', description: 'DESCRIPTION' }
  const all = [header, ...rows]
  const flagWidth = Math.max(...all.map((row) => row.flag.length))
  const envWidth = Math.max(...all.map((row) => row.env.length))
  const fallbackWidth = Math.max(...all.map((row) => row.fallback.length))
  const indent = 2 + flagWidth + 2 + (envWidth > 0 ? envWidth + 2 : 0) + fallbackWidth + 2
  const descriptionWidth = Math.max(MIN_DESCRIPTION_WIDTH, Math.min(MAX_DESCRIPTION_WIDTH, width - indent))
  const lines: string[] = []
  for (const row of all) {
    const [first = '', ...rest] = wrapWords(row.description, descriptionWidth)
    const env = envWidth > 0 ? `${row.env.padEnd(envWidth)}  ` : ''
    lines.push(`  ${row.flag.padEnd(flagWidth)}  ${env}${row.fallback.padEnd(fallbackWidth)}  ${first}`.trimEnd())
    for (const more of rest) lines.push(`${' '.repeat(indent)}${more}`)
  }
  return lines
}

/** Width of help text when the output is not a terminal. */
const DEFAULT_HELP_WIDTH = 120

/** The --help text of the server: every setting with its flag, variable and default. */
export function configHelp(command: string, width = DEFAULT_HELP_WIDTH): string {
  return [
    `Usage: ${command} [--flag value …]`,
    '',
    'Every flag can also be set by its environment variable (the flag wins).',
    '',
    ...settingsTable(SETTINGS, width),
  ].join('\n')
}

/** The --help text of `npm run token`. */
export function tokenHelp(command: string, width = DEFAULT_HELP_WIDTH): string {
  return [
    `Usage: ${command} --sub ID [--name NAME] [--docs LIST] [--role ROLE] [--days N] [--url ADDRESS]`,
    '',
    'Mints a token signed with TANDEM_AUTH_SECRET: prints it on stdout, and on stderr its expiry',
    'and a link that opens the app with it.',
    '',
    ...settingsTable(TOKEN_SETTINGS, width),
  ].join('\n')
}

/** The settings table, for tests that keep the README in step. */
export function settingNames(): Array<{ flag: string; env: string }> {
  return Object.values(SETTINGS).map((spec) => ({ flag: spec.flag, env: spec.env }))
}

/**
 * For the command-line entry points: prints the help and returns null, or exits with code 2
 * and a one-line message on a bad setting, or returns the parsed settings.
 */
function fromCommandLine<T>(argv: readonly string[], parse: () => T, help: (width?: number) => string): T | null {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(help(process.stdout.columns))
    return null
  }
  try {
    return parse()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(2)
  }
}

export function configFromCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): Config | null {
  return fromCommandLine(
    argv,
    () => parseConfig(argv, env),
    (width) => configHelp(command, width),
  )
}

export function tokenRequestFromCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): TokenRequest | null {
  return fromCommandLine(
    argv,
    () => parseTokenRequest(argv, env),
    (width) => tokenHelp(command, width),
  )
}
