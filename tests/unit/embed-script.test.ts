import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { collabUrlFromScript } from '../../lib/client/urls'
import { completeOptions, optionsFromElement } from '../../lib/script-tag/element-options'
import { createEmbedAssetRoutes, type EmbedAssets, pickEncoding } from '../../server/http/embed-script'
import { HttpError } from '../../server/http/respond'

/** The script tag's pure parts, and the route's build-once behaviour on a loopback server [H11]. */

const element = (data: Record<string, string>) => ({ dataset: data }) as unknown as HTMLElement

describe('the script tag’s options', () => {
  it('[H11] the server defaults to collab next to the script, keeping a path prefix', () => {
    expect(collabUrlFromScript('https://tandem.example/embed.js')).toBe('wss://tandem.example/collab')
    expect(collabUrlFromScript('http://127.0.0.1:3000/embed.js?v=2#x')).toBe('ws://127.0.0.1:3000/collab')
    expect(collabUrlFromScript('https://example.org/tandem/embed.js')).toBe('wss://example.org/tandem/collab')
  })

  it('reads the data attributes; "false" turns the toolbar and the local copy off', () => {
    expect(
      optionsFromElement(
        element({
          tandemDoc: 'notes',
          tandemToken: 't0k',
          tandemName: 'Ada',
          tandemColor: '#123456',
          tandemServer: 'wss://elsewhere/collab',
          tandemToolbar: 'false',
          tandemLocalCopy: '0',
        }),
      ),
    ).toEqual({
      docId: 'notes',
      token: 't0k',
      user: { name: 'Ada', color: '#123456' },
      serverUrl: 'wss://elsewhere/collab',
      toolbar: false,
      localCopy: false,
    })
    expect(optionsFromElement(element({ tandemDoc: 'notes', tandemToolbar: 'true' }))).toEqual({
      docId: 'notes',
      user: { name: undefined, color: undefined },
    })
  })

  it('fills in the script’s server and a person; keeps what the page gave', () => {
    const filled = completeOptions({ docId: 'notes' }, 'wss://tandem.example/collab')
    expect(filled.serverUrl).toBe('wss://tandem.example/collab')
    expect(filled.user.name).toBe('Guest')
    expect(filled.user.color).toMatch(/^#[0-9a-f]{6}$/)
    const given = completeOptions(
      { docId: 'notes', serverUrl: 'wss://mine/collab', user: { name: '  Ada  Lovelace ', color: 'red' } },
      'wss://tandem.example/collab',
    )
    expect(given.serverUrl).toBe('wss://mine/collab')
    // A colour that is not #rrggbb would render transparent carets: the palette's instead.
    expect(given.user).toEqual({
      name: 'Ada Lovelace',
      color: completeOptions({ docId: 'x', user: { name: 'Ada Lovelace' } }, '').user.color,
    })
  })
})

describe('/embed.js content encoding', () => {
  it('[H11] prefers br, then gzip; q=0 refuses; nothing accepted means plain bytes', () => {
    expect(pickEncoding('gzip, deflate, br, zstd')).toBe('br')
    expect(pickEncoding('gzip')).toBe('gzip')
    expect(pickEncoding('br;q=0, gzip;q=0.5')).toBe('gzip')
    expect(pickEncoding('identity')).toBeNull()
    expect(pickEncoding(undefined)).toBeNull()
  })
})

describe('/embed.js route', () => {
  let server: http.Server | null = null
  afterEach(async () => {
    if (server) await new Promise((resolve) => server?.close(resolve))
    server = null
  })

  async function serve(builder: () => Promise<EmbedAssets>): Promise<string> {
    const routes = createEmbedAssetRoutes(builder)
    server = http.createServer((req, res) => {
      routes.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500
        res.writeHead(status).end()
      })
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  const built = (text: string): EmbedAssets => {
    const file = (contentType: string) => ({
      contentType,
      body: Buffer.from(text),
      encoded: { br: Buffer.from(text), gzip: Buffer.from(text) },
      etag: '"e"',
    })
    return { script: file('text/javascript'), styles: file('text/css') }
  }

  it('[H11] builds once for every request; a failed build is tried again on the next one', async () => {
    let builds = 0
    const url = await serve(async () => {
      builds += 1
      if (builds === 1) throw new Error('first build fails')
      return built('export {}')
    })
    expect((await fetch(`${url}/embed.js`)).status).toBe(500)
    const answers = await Promise.all([fetch(`${url}/embed.js`), fetch(`${url}/embed.css`), fetch(`${url}/embed.js`)])
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    expect(builds).toBe(2)
  })

  it('[H11] 405 with Allow for anything but GET and HEAD, before building', async () => {
    let builds = 0
    const url = await serve(async () => {
      builds += 1
      return built('export {}')
    })
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await fetch(`${url}/embed.js`, { method })
      expect([method, answer.status, answer.headers.get('allow')]).toEqual([method, 405, 'GET, HEAD'])
    }
    expect(builds).toBe(0)
  })
})
