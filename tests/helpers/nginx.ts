import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './app-server'
import { makeTempDir, removeDir } from './temp-dir'
import { waitFor } from './wait'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** The documented config: the tests run this file, with only its upstreams and port swapped. */
export const NGINX_EXAMPLE = path.join(root, 'examples', 'nginx', 'tandem.conf')

function nginxBinary(): string | null {
  if (isExecutable('/usr/sbin/nginx')) return '/usr/sbin/nginx'
  const found = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' })
  const onPath = found.status === 0 ? found.stdout.trim() : ''
  return onPath && isExecutable(onPath) ? onPath : null
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * Whether nginx tests can run: /usr/sbin/nginx exists or `nginx` is on PATH. Without it they
 * skip loudly, except under CI=true where that is a failure (the policy of postgresAvailability).
 */
export function nginxAvailability(ci = process.env.CI === 'true'): boolean {
  if (nginxBinary()) return true
  if (ci) throw new Error('nginx is not installed and CI=true: nginx tests must run. Install nginx (.ci/run does).')
  console.warn('\n⚠️  [nginx] SKIPPING nginx tests: neither /usr/sbin/nginx nor `nginx` on PATH. Install nginx.\n')
  return false
}

/**
 * How nginx picks the instance: `document` is the documented config as it is (a consistent hash
 * on the document id, so a document's sockets share an instance); `least_conn` swaps that one
 * `hash` line for `least_conn;`, so a new long-lived socket goes to the instance with the fewest
 * open connections (tests use it to split one document's users over instances on purpose).
 */
export type NginxBalance = 'document' | 'least_conn'

/**
 * examples/nginx/tandem.conf with the `server` lines of `upstream tandem` replaced by
 * `upstreams` (host:port each) and its `listen` port by `127.0.0.1:<port>`; with
 * `balance: 'least_conn'` also its `hash ...;` line by `least_conn;`. Throws when the file no
 * longer has that shape, so the test cannot silently run some other config.
 */
export function rewriteExampleConfig(
  source: string,
  upstreams: readonly string[],
  port: number,
  options: { balance?: NginxBalance } = {},
): string {
  if (upstreams.length === 0) throw new Error('at least one upstream is needed')
  const block = /^upstream tandem \{\n[\s\S]*?^\}/m
  const upstream = block.exec(source)
  if (!upstream) throw new Error(`${NGINX_EXAMPLE}: no \`upstream tandem { ... }\` block at the start of a line`)
  const serverLine = /^([ \t]*)server[ \t]+[^;\n]+;[ \t]*\n/gm
  const lines = [...upstream[0].matchAll(serverLine)]
  if (lines.length === 0) throw new Error(`${NGINX_EXAMPLE}: no \`server host:port;\` line in upstream tandem`)
  const indent = lines[0]![1]!
  let replaced = false
  let newBlock = upstream[0].replace(serverLine, () => {
    if (replaced) return ''
    replaced = true
    return upstreams.map((address) => `${indent}server ${address};\n`).join('')
  })
  if ((options.balance ?? 'document') === 'least_conn') {
    const hashLine = /^([ \t]*)hash[ \t]+[^;\n]+;/gm
    const hashes = newBlock.match(hashLine) ?? []
    if (hashes.length !== 1) {
      throw new Error(`${NGINX_EXAMPLE}: expected exactly one \`hash ...;\` line in upstream tandem, found ${hashes.length}`)
    }
    newBlock = newBlock.replace(hashLine, (_line, space: string) => `${space}least_conn;`)
  }
  const listen = /^([ \t]*)listen[ \t]+[^;\n]+;/gm
  const listens = source.match(listen) ?? []
  if (listens.length !== 1) throw new Error(`${NGINX_EXAMPLE}: expected exactly one \`listen\` line, found ${listens.length}`)
  return source.replace(block, () => newBlock).replace(listen, (_line, space: string) => `${space}listen 127.0.0.1:${port};`)
}

export interface NginxProcess {
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string
  /** The generated top-level config, and nginx's error log so far (for failure messages). */
  readonly config: string
  errorLog(): string
  /** SIGTERM (nginx's fast shutdown), waits for the master to exit, removes the temp dir. */
  stop(): Promise<void>
}

/**
 * Runs nginx as its own process (`daemon off`, prefix in a temp dir) on the documented config
 * (with `balance: 'least_conn'`, that config with its hash line swapped; see NginxBalance).
 */
export async function startNginx(options: { upstreams: string[]; balance?: NginxBalance }): Promise<NginxProcess> {
  const binary = nginxBinary()
  if (!binary) throw new Error('nginx is not installed')
  const port = await freePort()
  const dir = makeTempDir('tandem-nginx-')
  const site = rewriteExampleConfig(fs.readFileSync(NGINX_EXAMPLE, 'utf8'), options.upstreams, port, { balance: options.balance })
  const errorLog = path.join(dir, 'error.log')
  const config = [
    // As root, nginx's workers would run as `nobody` and could not read the temp dir.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'daemon off;',
    'worker_processes 1;',
    `error_log ${errorLog} warn;`,
    `pid ${path.join(dir, 'nginx.pid')};`,
    'events {}',
    'http {',
    '    access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${path.join(dir, `${kind}_temp`)};`),
    site,
    '}',
    '',
  ].join('\n')
  const configFile = path.join(dir, 'nginx.conf')
  fs.writeFileSync(configFile, config)

  // -e: the startup error log too (before the config is read), else it opens /var/log/nginx.
  const child: ChildProcess = spawn(binary, ['-p', `${dir}/`, '-e', errorLog, '-c', configFile], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let gone = false
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => {
      gone = true
      resolve()
    })
    child.on('error', (err) => {
      output += String(err)
      gone = true
      resolve()
    })
  })
  const readLog = () => {
    try {
      return fs.readFileSync(errorLog, 'utf8')
    } catch {
      return ''
    }
  }
  const stop = async () => {
    if (!gone) child.kill('SIGTERM')
    await exited
    removeDir(dir)
  }

  try {
    await waitFor(
      async () => {
        if (gone) throw new Error(`nginx exited before listening:\n${output}${readLog()}\nconfig:\n${config}`)
        return accepts(port)
      },
      `nginx to accept connections on port ${port}`,
      10_000,
    )
  } catch (err) {
    await stop()
    throw err
  }
  return { port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, config, errorLog: readLog, stop }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
