import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Config } from '../config'
import { colourEnabled, type LogFormat, type Logger, resolveLogFormat } from '../log'
import { redactUrl } from '../storage/connection-url'
import { wrapWords } from '../text-wrap'

/**
 * What a server says once it listens: where to go, where the data lives, what runs, who may
 * get in. At a terminal that is a short block a person reads (with the open-mode warning in a
 * box nobody scrolls past); in JSON mode it is one log line with the same facts as fields,
 * plus the warning as one `warn` line, so stdout stays pure JSON for a log collector.
 */

const OPEN_MODE_REASON =
  'no TANDEM_AUTH_SECRET or TANDEM_AUTH_PUBLIC_KEY_FILE is set, so anyone who can reach this server can read, edit ' +
  'and delete every document. Set one before exposing it to a network.'

/** The open-mode warning as one log line (what log alerts match on). */
export const OPEN_MODE_WARNING = `OPEN MODE: ${OPEN_MODE_REASON}`

export interface Banner {
  /** The first line, e.g. "Tandem is running at http://localhost:3000". */
  readonly headline: string
  /** Label and value pairs shown under the headline. */
  readonly facts: ReadonlyArray<readonly [label: string, value: string]>
  /** The same facts for the JSON line. */
  readonly fields: Readonly<Record<string, string | readonly string[]>>
  readonly openMode: boolean
}

/** `npm start`: the app, the sync endpoint and the API on one port. */
export function appBanner(config: Config, address: AddressInfo, dev: boolean): Banner {
  const url = `http://${shownHost(address)}:${address.port}`
  const mode = dev ? 'app and sync server, dev mode (hot reload)' : 'app and sync server'
  return {
    headline: `Tandem is running at ${url}`,
    facts: [['data', dataLocation(config)], ...clusterFacts(config), ['mode', mode], ['auth', authMode(config)]],
    fields: { url, ...storageFields(config), ...clusterFields(config), mode: dev ? 'app (dev)' : 'app', auth: authKind(config) },
    openMode: authKind(config) === 'open',
  }
}

/** `npm run server`: the sync server alone, for stock y-websocket clients. */
export function syncServerBanner(config: Config, address: AddressInfo): Banner {
  const base = `ws://${shownHost(address)}:${address.port}`
  const documents = [`${base}/<docId>`, `${base}/collab/<docId>`]
  return {
    headline: `Tandem sync server on ${base}`,
    facts: [
      ['documents', documents.join('  or  ')],
      ['data', dataLocation(config)],
      ...clusterFacts(config),
      ['mode', 'sync server only (no app)'],
      ['auth', authMode(config)],
    ],
    fields: { url: base, documents, ...storageFields(config), ...clusterFields(config), mode: 'sync server', auth: authKind(config) },
    openMode: authKind(config) === 'open',
  }
}

export function printBanner(banner: Banner, logger: Logger, format: LogFormat): void {
  if (resolveLogFormat(format) === 'json') {
    // Shown whatever the log level, like the address a server prints: it is not a log entry
    // one can do without, it is how one learns where the server is.
    logger.child(banner.fields, { level: 'info' }).info(banner.headline)
    if (banner.openMode) logger.warn(OPEN_MODE_WARNING)
    return
  }
  process.stdout.write(`${renderBanner(banner, colourEnabled())}\n`)
}

const BOX_WIDTH = 76

/** The terminal form: a headline, aligned facts, and the open-mode box when it applies. */
export function renderBanner(banner: Banner, colour: boolean): string {
  const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text)
  const labelWidth = Math.max(...banner.facts.map(([label]) => label.length))
  const lines = ['', `  ${paint('1', banner.headline)}`, '']
  for (const [label, value] of banner.facts) lines.push(`    ${paint('2', label.padEnd(labelWidth))}  ${value}`)
  if (banner.openMode) {
    lines.push('')
    const reason = OPEN_MODE_REASON.charAt(0).toUpperCase() + OPEN_MODE_REASON.slice(1)
    for (const line of box(['OPEN MODE', reason], BOX_WIDTH)) lines.push(`  ${paint('33', line)}`)
  }
  lines.push('', `  ${paint('2', 'Ctrl+C stops it; edits not yet stored are stored first.')}`, '')
  return lines.join('\n')
}

/** Paragraphs wrapped inside a rounded box `width` characters wide. */
export function box(paragraphs: readonly string[], width: number): string[] {
  const inner = width - 4
  const rows = paragraphs.flatMap((paragraph) => wrapWords(paragraph, inner))
  return [`╭${'─'.repeat(width - 2)}╮`, ...rows.map((r) => `│ ${r.padEnd(inner)} │`), `╰${'─'.repeat(width - 2)}╯`]
}

/** A wildcard address is reachable as localhost from this machine; others are shown as bound. */
function shownHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return 'localhost'
  return address.family === 'IPv6' ? `[${address.address}]` : address.address
}

function dataLocation(config: Config): string {
  if (config.storage === 'memory') return 'in memory (nothing survives a restart)'
  if (config.storage === 'postgres') return `${redactUrl(config.databaseUrl ?? '')} (PostgreSQL)`
  const file = path.resolve(config.dataDir, 'tandem.db')
  const relative = path.relative(process.cwd(), file)
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? file : `.${path.sep}${relative}`
  return `${shown} (SQLite)`
}

function storageFields(config: Config): Record<string, string> {
  if (config.storage === 'memory') return { storage: 'memory' }
  if (config.storage === 'postgres') return { storage: 'postgres', database: redactUrl(config.databaseUrl ?? '') }
  return { storage: 'sqlite', database: path.resolve(config.dataDir, 'tandem.db') }
}

function clusterFacts(config: Config): Array<[string, string]> {
  return config.redisUrl ? [['cluster', `relayed through ${redactUrl(config.redisUrl)} (Redis)`]] : []
}

function clusterFields(config: Config): Record<string, string> {
  return config.redisUrl ? { redis: redactUrl(config.redisUrl) } : {}
}

function authKind(config: Config): 'secret' | 'public key' | 'open' {
  if (config.authSecret) return 'secret'
  if (config.authPublicKeyFile) return 'public key'
  return 'open'
}

function authMode(config: Config): string {
  switch (authKind(config)) {
    case 'secret':
      return 'tokens signed with TANDEM_AUTH_SECRET (HS256)'
    case 'public key':
      return `tokens verified with ${config.authPublicKeyFile} (${config.authAlgorithm})`
    case 'open':
      return 'none: open mode'
  }
}
