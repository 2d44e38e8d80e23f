import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connectSynced, type TestClient } from '../helpers/clients'
import { type Cluster, startCluster } from '../helpers/cluster'
import { type NginxProcess, nginxAvailability, startNginx } from '../helpers/nginx'
import { pingRedis, type RedisProcess, redisAvailability, startRedis } from '../helpers/redis'
import { waitFor } from '../helpers/wait'

/**
 * The documented nginx config (examples/nginx/tandem.conf, only its upstreams and port swapped)
 * in front of two real Tandem server processes (SQLite each, no Redis), with stock y-websocket
 * clients connecting through nginx.
 */
const nginxAvailable = nginxAvailability()
const redisAvailable = redisAvailability()

/** `tandem_connections` of one instance, read from it directly (not through nginx). */
async function openConnections(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const match = /^tandem_connections (\d+)/m.exec(text)
  if (!match) throw new Error(`no tandem_connections in /metrics of ${httpUrl}`)
  return Number(match[1])
}

describe.runIf(nginxAvailable)('nginx in front of two Tandem servers (examples/nginx/tandem.conf)', () => {
  let cluster: Cluster
  let nginx: NginxProcess
  const clients: TestClient[] = []

  beforeAll(async () => {
    cluster = await startCluster({ size: 2 })
    nginx = await startNginx({ upstreams: cluster.instances.map((server) => `127.0.0.1:${server.port}`) })
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy()
  })
  afterAll(async () => {
    await nginx?.stop()
    await cluster?.stopAll()
  })

  const connect = async (docId: string, path = '', params: Record<string, string> = {}) => {
    const client = await connectSynced(`${nginx.wsUrl}${path}`, docId, undefined, params)
    clients.push(client)
    return client
  }

  it('GET /healthz through nginx is answered by a Tandem server', async () => {
    const response = await fetch(`${nginx.url}/healthz`)
    expect(response.status).toBe(200)
    expect(response.headers.get('server')).toMatch(/^nginx/)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('two stock y-websocket providers connected through nginx to one document sync text', async () => {
    const a = await connect('through-nginx')
    const b = await connect('through-nginx')
    a.doc.getText('t').insert(0, 'hello through nginx')
    await waitFor(() => b.doc.getText('t').toString() === 'hello through nginx', 'b to see the text written by a')
    b.doc.getText('t').insert(0, '» ')
    await waitFor(() => a.doc.getText('t').toString() === '» hello through nginx', 'a to see the text written by b')
  })

  it("all sockets of a document land on one instance, whatever each client's token and /collab/ prefix", async () => {
    // Without auth the server ignores ?token=, but nginx hashes what it sees: a hash on the
    // whole request URI would spread these over both instances (and, without Redis, split them).
    const docId = 'one-instance'
    const writer = await connect(docId, '', { token: 'user-0' })
    const others: TestClient[] = []
    for (let i = 1; i <= 5; i++) others.push(await connect(docId, i % 2 ? '/collab' : '', { token: `user-${i}` }))
    writer.doc.getText('t').insert(0, 'seen by all')
    await waitFor(() => others.every((c) => c.doc.getText('t').toString() === 'seen by all'), 'every client to see the text')
    const urls = cluster.instances.map((server) => server.httpUrl)
    await waitFor(async () => {
      const counts = await Promise.all(urls.map(openConnections))
      return counts.includes(6) && counts.includes(0)
    }, 'the six sockets to be open on one instance and none on the other')
  })
})

describe.runIf(redisAvailable)('the Redis test helper', () => {
  let redis: RedisProcess | undefined
  afterEach(async () => {
    await redis?.dispose()
    redis = undefined
  })

  it('kill() takes Redis away and start() brings it back on the same port and URL', async () => {
    redis = await startRedis()
    const { url, port } = redis
    expect(redis.port).not.toBe(6379)
    expect(await pingRedis(url)).toBe(true)
    await redis.kill()
    expect(await pingRedis(url)).toBe(false)
    await redis.start()
    expect(redis.url).toBe(url)
    expect(redis.port).toBe(port)
    expect(await pingRedis(url)).toBe(true)
    await redis.stop()
    expect(await pingRedis(url)).toBe(false)
    await redis.start()
    expect(await pingRedis(url)).toBe(true)
  })
})
