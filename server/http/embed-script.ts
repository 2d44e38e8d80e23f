import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import { HttpError } from './respond'

const LIB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../lib')

const ENCODINGS = ['br', 'gzip'] as const
type Encoding = (typeof ENCODINGS)[number]

/** One built file, ready to answer with: its bytes, compressed ahead, and a validator. */
export interface EmbedAsset {
  readonly contentType: string
  readonly body: Buffer
  readonly encoded: Readonly<Record<Encoding, Buffer>>
  readonly etag: string
}

export interface EmbedAssets {
  readonly script: EmbedAsset
  readonly styles: EmbedAsset
}

// Off the event loop (zlib's thread pool): brotli at its best quality takes a second or so.
const compressBrotli = promisify(brotliCompress)
const compressGzip = promisify(gzip)

async function asset(contentType: string, text: string): Promise<EmbedAsset> {
  const body = Buffer.from(text)
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
  const [br, gz] = await Promise.all([
    compressBrotli(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
    compressGzip(body, { level: 9 }),
  ])
  return { contentType, body, encoded: { br, gzip: gz }, etag }
}

/**
 * Builds the script-tag module (lib/script-tag, with Tiptap, Yjs and every other dependency
 * inside: a page without a bundler cannot resolve imports) and its stylesheet, minified, in
 * memory. esbuild is already what runs the server's TypeScript (tsx), and it builds in its own
 * process, so the event loop keeps serving meanwhile. React must never end up inside: the
 * script tag is the framework-free editor.
 */
export async function buildEmbedAssets(): Promise<EmbedAssets> {
  // Loaded only when /embed.js is first asked for: a server nobody asks never loads it.
  const { build } = await import('esbuild')
  const common = { bundle: true, minify: true, write: false, logLevel: 'silent', target: 'es2022', metafile: true } as const
  const [script, styles] = await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(LIB_DIR, 'script-tag', 'index.ts')],
      format: 'esm',
      platform: 'browser',
      outfile: 'embed.js',
      legalComments: 'eof',
      define: { 'process.env.NODE_ENV': '"production"' },
      tsconfig: path.join(LIB_DIR, '..', 'tsconfig.json'),
    }),
    build({ ...common, entryPoints: [path.join(LIB_DIR, 'react', 'tandem.css')], outfile: 'embed.css' }),
  ])
  const react = Object.keys(script.metafile.inputs).filter((input) => /node_modules\/(react|react-dom)\//.test(input))
  if (react.length > 0) throw new Error(`the script-tag build must not contain React: ${react.join(', ')}`)
  const [js] = script.outputFiles
  const [css] = styles.outputFiles
  if (!js || !css) throw new Error('the script-tag build wrote no output')
  const [scriptAsset, stylesAsset] = await Promise.all([asset('text/javascript', js.text), asset('text/css', css.text)])
  return { script: scriptAsset, styles: stylesAsset }
}

const PATHS: Record<string, keyof EmbedAssets> = { '/embed.js': 'script', '/embed.css': 'styles' }

/** Whether `If-None-Match` names this ETag (weak or strong, in a list, or `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim()
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag
  })
}

/** The best of br and gzip the client accepts (a `q=0` refuses), or null for the plain bytes. */
export function pickEncoding(acceptEncoding: string | undefined): Encoding | null {
  const accepted = new Set<string>()
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase())
    const q = params.find((param) => param.startsWith('q='))
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name)
  }
  return ENCODINGS.find((encoding) => accepted.has(encoding)) ?? null
}

/**
 * `GET /embed.js` and `GET /embed.css` [H11]: loadable from any origin (they hold no secret,
 * and the WebSocket's Origin check still guards the documents), cached for five minutes and
 * then revalidated by ETag, so a new release reaches pages within minutes. Built on the first
 * request, once per process; a failed build is logged and tried again on the next request.
 */
export function createEmbedAssetRoutes(builder: () => Promise<EmbedAssets> = buildEmbedAssets) {
  let assets: Promise<EmbedAssets> | null = null
  const load = () => {
    assets ??= builder().catch((err: unknown) => {
      assets = null
      throw err
    })
    return assets
  }

  return {
    /** Whether `pathname` is one of these routes. */
    owns: (pathname: string) => pathname in PATHS,

    async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
      const key = PATHS[pathname]
      if (!key) throw new HttpError(404, 'not found')
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD')
        throw new HttpError(405, `${req.method} is not allowed on ${pathname}`)
      }
      const file = (await load())[key]
      const headers: Record<string, string | number> = {
        'cache-control': 'public, max-age=300',
        etag: file.etag,
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
        vary: 'accept-encoding',
      }
      if (matches(req.headers['if-none-match'], file.etag)) {
        res.writeHead(304, headers).end()
        return
      }
      const encoding = pickEncoding(req.headers['accept-encoding'])
      const body = encoding ? file.encoded[encoding] : file.body
      res.writeHead(200, {
        ...headers,
        'content-type': `${file.contentType}; charset=utf-8`,
        'content-length': body.byteLength,
        'x-content-type-options': 'nosniff',
        ...(encoding ? { 'content-encoding': encoding } : {}),
      })
      res.end(req.method === 'HEAD' ? undefined : body)
    },
  }
}
