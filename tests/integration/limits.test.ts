import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { CloseCode } from '../../lib/protocol'
import { SqliteStorage } from '../../server/storage/sqlite'
import { presenceRoundTrip, serverRoundTrip } from '../helpers/barrier'
import { connectClient, connectSynced, type TestClient } from '../helpers/clients'
import { roundTrip, socketOf, whenDoc, whenPresence, whenReceived, whenSynced } from '../helpers/events'
import {
  awarenessEntries,
  awarenessFrame,
  frameKind,
  queryAwarenessFrame,
  stateVectorWith,
  syncPayload,
  syncStep1Frame,
  updateFrame,
} from '../helpers/frames'
import { GatedStorage } from '../helpers/gated-storage'
import { ManualClock } from '../helpers/manual-clock'
import { openRaw, type RawSocket } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { makeTempDir, removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/**
 * Every limit of the README's "Limits" table (SPEC rules B1–B7), through real sockets on
 * loopback against a real server: set low, hit, and then checked for (1) the documented
 * outcome (HTTP status at the upgrade, a close code, or throttling), (2) the
 * `tandem_limit_hits_total{kind}` counter, (3) a bystander in the same document that goes on
 * unaffected, and (4) recovery once the offender leaves or slows down.
 *
 * No test here sleeps to let something happen (or to see that it did not), and no outcome
 * depends on how fast the machine is. Where a rule is about time, the server runs on a
 * ManualClock the test moves (deps.scheduler) and the instants are checked exactly; "nothing
 * more arrives" is a round trip through the server, not a pause. The real-time tests are smoke
 * tests: they check what happens (throttled, closed with a code, bystander served), not how
 * fast. Where each rule's timing is pinned exactly:
 *   B1  no timing; the decisions are unit-tested in upgrade-policy.test.ts and client-address.test.ts
 *   B2  the driven-clock floods below (all at once and sustained, messages and bytes)
 *   B3  room.test.ts "[B3] …" (the presence throttle lives in the room; manual scheduler)
 *   B4  room.test.ts "[B4] …" (least recently active by the room's clock; manual scheduler)
 *   B5  no timing: below, paced by the writer's echoes
 *   B6  Node's HTTP server keeps this deadline on its own timer, which no scheduler reaches: real time here
 *   B7  heartbeat: sync.test.ts "[A4] the default heartbeat …" (driven clock); frame size and backlog below
 *
 * Figures (rates, counts, delays) are printed with a [limits] prefix so a run can be compared
 * with the limits it was given.
 */

// ---------------------------------------------------------------------------------------------
// helpers

let cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.reverse()) {
    try {
      await fn()
    } catch {
      // best effort: a failed test may leave half-closed things behind
    }
  }
  cleanups = []
})

async function serve(
  overrides: Parameters<typeof startServer>[0],
  deps?: Parameters<typeof startServer>[1],
  dataDir?: string,
): Promise<RunningServer> {
  const running = await startServer(overrides, deps, dataDir)
  cleanups.push(async () => {
    await running.stop()
    removeDir(running.dataDir)
  })
  return running
}

function client(c: TestClient): TestClient {
  cleanups.push(() => c.destroy())
  return c
}

async function raw(url: string): Promise<RawSocket> {
  const socket = await openRaw(url)
  cleanups.push(() => socket.ws.terminate())
  return socket
}

function figure(...parts: unknown[]): void {
  console.log('[limits]', ...parts)
}

/** `tandem_limit_hits_total` by kind, scraped from /metrics. */
async function limitHits(httpUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const hits: Record<string, number> = {}
  for (const match of text.matchAll(/^tandem_limit_hits_total\{kind="([^"]+)"\} ([0-9.e+]+)$/gm)) {
    hits[match[1]!] = Number(match[2])
  }
  return hits
}

const totalHits = (hits: Record<string, number>) => Object.values(hits).reduce((a, b) => a + b, 0)

/** Close codes a stock client has seen (it reconnects after most of them, so we record). */
function watchCloses(c: TestClient): number[] {
  const codes: number[] = []
  c.provider.on('connection-close', (event: CloseEvent | null) => codes.push(event?.code ?? -1))
  return codes
}

interface Attempt {
  readonly status: number
  /** The open socket when the upgrade succeeded (status 101); the caller closes it. */
  readonly ws: WebSocket | null
  readonly closed: Promise<number>
}

/** Tries an upgrade with optional extra headers and keeps the socket open when it succeeds. */
function attempt(url: string, headers: Record<string, string> = {}): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)))
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, ws: null, closed })
      ws.terminate()
    })
    ws.on('open', () => {
      cleanups.push(() => ws.terminate())
      resolve({ status: 101, ws, closed })
    })
    ws.on('error', (err) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(err)
    })
  })
}

/** A Yjs update that sets probes[marker] = true, from a throwaway document. */
function probeUpdate(marker: string): Uint8Array {
  const doc = new Y.Doc()
  doc.getMap('probes').set(marker, true)
  return Y.encodeStateAsUpdate(doc)
}

let markers = 0
const newMarker = () => `m${++markers}-${Math.random().toString(36).slice(2, 7)}`

/**
 * The bystander is still connected, saw no close, and still receives an edit that `writer`
 * (an open raw socket or stock client in the same document) sends now. Returns the delay (a
 * figure to print, never checked).
 */
async function bystanderStillServed(bystander: TestClient, closes: number[], writer: WebSocket | TestClient): Promise<number> {
  expect(bystander.provider.wsconnected, 'bystander still connected').toBe(true)
  expect(closes, 'bystander saw no close').toEqual([])
  const marker = newMarker()
  const started = performance.now()
  if (writer instanceof WebSocket) writer.send(updateFrame(probeUpdate(marker)))
  else writer.doc.getMap('probes').set(marker, true)
  await whenDoc(bystander.doc, () => bystander.doc.getMap('probes').get(marker) === true, 'the bystander to receive a fresh edit')
  return performance.now() - started
}

/** Resolves once the raw socket has received a frame of `kind` (at least `count` of them). */
function whenFrames(socket: RawSocket, kind: ReturnType<typeof frameKind>, what: string, count = 1): Promise<void> {
  return whenReceived(socket.ws, () => socket.received.filter((f) => frameKind(f) === kind).length >= count, what)
}

/** Waits until the server has counted a closed connection out (admission is released on close). */
async function connectionsSettle(running: RunningServer, expected: number): Promise<void> {
  await waitFor(() => running.server.rooms.connectionCount === expected, `the server to count ${expected} connections`)
}

/** The largest number of timestamps that fall in any window of `windowMs`. */
function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}

/**
 * How far processing ran ahead of a token bucket with `burst` and `ratePerSecond`: the largest
 * (processed so far) − (burst + rate · t) over all replies, in the unit counted (`unit` each).
 * A correct throttle keeps this near zero (one message may overdraw the bucket).
 */
function aheadOfBucket(times: readonly number[], unit: number, burst: number, ratePerSecond: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let worst = -Infinity
  sorted.forEach((t, i) => {
    worst = Math.max(worst, (i + 1) * unit - (burst + (ratePerSecond * Math.max(0, t)) / 1000))
  })
  return worst
}

/** Counts per window of `windowMs` from t = 0, for the printed figures. */
function histogram(times: readonly number[], windowMs: number): number[] {
  const bins: number[] = []
  for (const t of times) {
    const i = Math.max(0, Math.floor(t / windowMs))
    while (bins.length <= i) bins.push(0)
    bins[i]!++
  }
  return bins
}

// ---------------------------------------------------------------------------------------------
// admission at the upgrade

describe('limits at the upgrade (HTTP status before any WebSocket opens)', () => {
  it('[B1] TANDEM_MAX_CONNECTIONS: past the total, upgrades get HTTP 503 for any document; open ones go on; a freed slot is reusable', async () => {
    const running = await serve({ maxConnections: '3' })
    const bystander = client(await connectSynced(running.wsUrl, 'full'))
    const closes = watchCloses(bystander)
    const first = await attempt(`${running.wsUrl}/full`)
    const second = await attempt(`${running.wsUrl}/other`)
    expect([first.status, second.status]).toEqual([101, 101])
    const before = await limitHits(running.httpUrl)

    expect((await attempt(`${running.wsUrl}/full`)).status).toBe(503)
    expect((await attempt(`${running.wsUrl}/collab/elsewhere`)).status).toBe(503)
    expect(running.server.transport.socketCount).toBe(3)

    const after = await limitHits(running.httpUrl)
    expect((after.connections ?? 0) - (before.connections ?? 0)).toBe(2)
    const delay = await bystanderStillServed(bystander, closes, first.ws!)

    // Recovery: one leaves, and the next upgrade is accepted (and counted in again).
    second.ws!.close()
    await connectionsSettle(running, 2)
    const again = await attempt(`${running.wsUrl}/elsewhere`)
    expect(again.status).toBe(101)
    expect((await attempt(`${running.wsUrl}/full`)).status).toBe(503)
    figure(`max connections 3: 2 refusals (503), bystander edit delay ${delay.toFixed(0)} ms`)
  })

  it('[B1] TANDEM_MAX_CONNECTIONS_PER_IP: past it, HTTP 429; without TANDEM_TRUSTED_PROXIES an X-Forwarded-For header is ignored', async () => {
    const running = await serve({ maxConnectionsPerIp: '2' })
    const bystander = client(await connectSynced(running.wsUrl, 'ip'))
    const closes = watchCloses(bystander)
    const first = await attempt(`${running.wsUrl}/ip`)
    expect(first.status).toBe(101)
    const before = await limitHits(running.httpUrl)

    expect((await attempt(`${running.wsUrl}/ip`)).status).toBe(429)
    expect((await attempt(`${running.wsUrl}/another-doc`)).status).toBe(429)
    // Anyone can send this header; from an untrusted peer it must not buy a fresh budget.
    expect((await attempt(`${running.wsUrl}/ip`, { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(429)

    const after = await limitHits(running.httpUrl)
    expect((after.connections_per_ip ?? 0) - (before.connections_per_ip ?? 0)).toBe(3)
    await bystanderStillServed(bystander, closes, first.ws!)

    first.ws!.close()
    await connectionsSettle(running, 1)
    const again = await attempt(`${running.wsUrl}/ip`, { 'X-Forwarded-For': '203.0.113.7' })
    expect(again.status).toBe(101)
    await bystanderStillServed(bystander, closes, again.ws!)
  })

  it('[B1] TANDEM_MAX_CONNECTIONS_PER_IP with TANDEM_TRUSTED_PROXIES=127.0.0.1: X-Forwarded-For clients count separately; spoofed leftmost hops buy nothing', async () => {
    const running = await serve({ maxConnectionsPerIp: '1', trustedProxies: '127.0.0.1' })
    // The bystander comes through no proxy header: its address is the proxy's own, 127.0.0.1.
    const bystander = client(await connectSynced(running.wsUrl, 'proxied'))
    const closes = watchCloses(bystander)
    const alice = await attempt(`${running.wsUrl}/proxied`, { 'X-Forwarded-For': '203.0.113.1' })
    const bob = await attempt(`${running.wsUrl}/proxied`, { 'X-Forwarded-For': '203.0.113.2' })
    expect([alice.status, bob.status]).toEqual([101, 101])
    const before = await limitHits(running.httpUrl)

    expect((await attempt(`${running.wsUrl}/proxied`, { 'X-Forwarded-For': '203.0.113.1' })).status).toBe(429)
    // The proxy appends the real peer on the right; whatever the client put on the left is not believed.
    expect((await attempt(`${running.wsUrl}/proxied`, { 'X-Forwarded-For': '198.51.100.9, 203.0.113.1' })).status).toBe(429)
    // No header: the proxy's own address, already used by the bystander.
    expect((await attempt(`${running.wsUrl}/proxied`)).status).toBe(429)

    const after = await limitHits(running.httpUrl)
    expect((after.connections_per_ip ?? 0) - (before.connections_per_ip ?? 0)).toBe(3)
    await bystanderStillServed(bystander, closes, alice.ws!)
    await bystanderStillServed(bystander, closes, bob.ws!)

    alice.ws!.close()
    await connectionsSettle(running, 2)
    const aliceAgain = await attempt(`${running.wsUrl}/proxied`, { 'X-Forwarded-For': '203.0.113.1' })
    expect(aliceAgain.status).toBe(101)
    await bystanderStillServed(bystander, closes, aliceAgain.ws!)
  })

  it('[B1] TANDEM_MAX_CONNECTIONS_PER_DOCUMENT: past it, HTTP 429 for that document only; other documents open and sync', async () => {
    const running = await serve({ maxConnectionsPerDocument: '2' })
    const bystander = client(await connectSynced(running.wsUrl, 'crowded'))
    const closes = watchCloses(bystander)
    const second = await attempt(`${running.wsUrl}/crowded`)
    expect(second.status).toBe(101)
    const before = await limitHits(running.httpUrl)

    expect((await attempt(`${running.wsUrl}/crowded`)).status).toBe(429)
    expect((await attempt(`${running.wsUrl}/collab/crowded`)).status).toBe(429)
    const elsewhere = client(await connectSynced(running.wsUrl, 'quiet'))
    const elsewhereToo = client(await connectSynced(running.wsUrl, 'quiet'))
    elsewhere.doc.getText('t').insert(0, 'fine here')
    await whenDoc(elsewhereToo.doc, () => elsewhereToo.doc.getText('t').toString() === 'fine here', 'edits to flow in another document')

    const after = await limitHits(running.httpUrl)
    expect((after.connections_per_document ?? 0) - (before.connections_per_document ?? 0)).toBe(2)
    await bystanderStillServed(bystander, closes, second.ws!)

    second.ws!.close()
    await connectionsSettle(running, 3)
    const newcomer = client(await connectSynced(running.wsUrl, 'crowded'))
    await bystanderStillServed(bystander, closes, newcomer)
  })

  it('[B1] an admitted upgrade that never becomes a WebSocket (ws refuses its handshake) gives its slot back', async () => {
    const running = await serve({ maxConnectionsPerIp: '1', maxConnectionsPerDocument: '1' })
    const port = Number(new URL(running.httpUrl).port)
    // A sync path and a valid id, so the upgrade is admitted; then ws answers 400 itself.
    const badHandshakes = [
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n',
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 7\r\n',
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n',
    ]
    for (const headers of badHandshakes) {
      const answer = await new Promise<string>((resolve) => {
        let text = ''
        const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET /slots HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`))
        cleanups.push(() => void socket.destroy())
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
        socket.on('error', () => {})
        socket.on('close', () => resolve(text))
      })
      expect(answer.split('\r\n')[0], headers).toBe('HTTP/1.1 400 Bad Request')
    }
    // Each of them was admitted and counted in; each gave its slot back.
    const first = await attempt(`${running.wsUrl}/slots`)
    expect(first.status).toBe(101)
    expect((await attempt(`${running.wsUrl}/slots`)).status).toBe(429)
  })
})

// ---------------------------------------------------------------------------------------------
// per-connection rates: throttled (socket paused), never closed

interface FloodResult {
  /** Reply times (ms after the first frame was sent). */
  readonly replies: number[]
  /** Delay until the watcher saw an edit the bystander made during the flood (a figure, never checked). */
  readonly editDelayMs: number
  /** Delay until the offender itself received that edit (a figure, never checked). */
  readonly offenderEditDelayMs: number
  readonly stillOpen: boolean
}

/**
 * The smoke flood, in real time: opens an offender in `docId` (where the bystander has
 * presence), sends all `frames` at once and timestamps each reply of `replyKind`. Once the
 * burst has been answered (the offender is in debt from then on), the bystander makes an edit;
 * the watcher and the offender must receive it. Ends with a ping round trip behind the last
 * reply, so a reply too many would have arrived.
 */
async function flood(
  running: RunningServer,
  docId: string,
  bystander: TestClient,
  watcher: TestClient,
  frames: Uint8Array[],
  options: { replyKind: 'awareness' | 'sync-step2'; burst: number },
): Promise<FloodResult> {
  const offender = await raw(`${running.wsUrl}/${docId}`)
  // Joined: the server's sync step 1 arrived (and the awareness of the bystander).
  await whenFrames(offender, 'sync-step1', 'the offender to join')
  await whenFrames(offender, 'awareness', 'the offender to see presence')
  const replies: number[] = []
  const marker = newMarker()
  let offenderSawEdit = -1
  const probeDoc = new Y.Doc()
  const t0 = performance.now()
  offender.ws.on('message', (data: Buffer) => {
    const frame = new Uint8Array(data)
    const kind = frameKind(frame)
    if (kind === options.replyKind) replies.push(performance.now() - t0)
    if (kind === 'update') {
      Y.applyUpdate(probeDoc, syncPayload(frame))
      if (offenderSawEdit < 0 && probeDoc.getMap('probes').get(marker) === true) offenderSawEdit = performance.now()
    }
  })
  for (const frame of frames) offender.send(frame)
  await whenReceived(offender.ws, () => replies.length >= options.burst, 'the burst to be answered')
  const editAt = performance.now()
  bystander.doc.getMap('probes').set(marker, true)
  await whenDoc(
    watcher.doc,
    () => watcher.doc.getMap('probes').get(marker) === true,
    'the watcher to receive the bystander edit during the flood',
  )
  const editDelayMs = performance.now() - editAt
  await whenReceived(offender.ws, () => offenderSawEdit > 0, 'the offender to receive the bystander edit during the flood')
  await whenReceived(offender.ws, () => replies.length >= frames.length, 'a reply to every flooded frame')
  // Every frame has been handed on and answered at once: the pong comes behind any extra reply.
  expect(await roundTrip(offender.ws), 'the offender answers a ping after the flood').toBe(true)
  return {
    replies,
    editDelayMs,
    offenderEditDelayMs: offenderSawEdit - editAt,
    stillOpen: offender.ws.readyState === WebSocket.OPEN,
  }
}

interface ClockedFloodResult {
  /** Virtual ms after the first frame at which the server handed each offender frame on, in order. */
  readonly handedOn: number[]
  /** Replies of the expected kind the offender received in the end (one per frame). */
  readonly replies: number
  /** The bystander's edit during the flood reached the watcher and the offender with the clock standing still. */
  readonly editServedAtOnce: boolean
  readonly stillOpen: boolean
}

/**
 * The flood on a driven clock (the server's `clock`): the offender sends `batch` frames every
 * `everyMs` of virtual time (everyMs 0: all at once), and the clock moves in 10 ms steps until
 * every frame has been handed on. Each frame's hand-on instant is read on the server's side of
 * the offender's connection, so it is exact, whatever real time the sockets take. Before each
 * step the test waits until the server has handed on what the bucket allows by then
 * (`allowedBy`, less one frame for a frame still on the wire), so no step outruns the sockets.
 */
async function floodOnClock(
  running: RunningServer,
  clock: ManualClock,
  docId: string,
  bystander: TestClient,
  watcher: TestClient,
  frames: Uint8Array[],
  options: { batch: number; everyMs: number; replyKind: 'awareness' | 'sync-step2'; allowedBy: (t: number) => number; limitMs: number },
): Promise<ClockedFloodResult> {
  const known = new Set(running.server.rooms.openConnections().map((c) => c.id))
  const offender = await raw(`${running.wsUrl}/${docId}`)
  await whenFrames(offender, 'sync-step1', 'the offender to join')
  await whenFrames(offender, 'awareness', 'the offender to see presence')
  const serverSide = running.server.rooms.openConnections().find((c) => c.info.docId === docId && !known.has(c.id))
  if (!serverSide) throw new Error('the offender has no connection on the server')
  const handedOn: number[] = []
  const t0 = clock.now()
  const receive = serverSide.receive.bind(serverSide)
  serverSide.receive = (frame) => {
    handedOn.push(clock.now() - t0)
    receive(frame)
  }
  let replies = 0
  const marker = newMarker()
  const probeDoc = new Y.Doc()
  offender.ws.on('message', (data: Buffer) => {
    const frame = new Uint8Array(data)
    if (frameKind(frame) === options.replyKind) replies++
    if (frameKind(frame) === 'update') Y.applyUpdate(probeDoc, syncPayload(frame))
  })
  const STEP = 10
  const EDIT_AT = 200
  let sent = 0
  let editServedAtOnce = false
  for (let t = 0; handedOn.length < frames.length; t += STEP) {
    if (t > options.limitMs) throw new Error(`only ${handedOn.length}/${frames.length} frames handed on by ${t} virtual ms`)
    while (sent < frames.length && Math.floor(sent / options.batch) * options.everyMs <= t) {
      for (const frame of frames.slice(sent, sent + options.batch)) offender.send(frame)
      sent = Math.min(frames.length, sent + options.batch)
    }
    if (t === EDIT_AT) {
      // The offender is deep in debt now; nobody else may wait for its budget.
      bystander.doc.getMap('probes').set(marker, true)
      await whenDoc(watcher.doc, () => watcher.doc.getMap('probes').get(marker) === true, 'the watcher to receive the bystander edit')
      await whenDoc(probeDoc, () => probeDoc.getMap('probes').get(marker) === true, 'the offender to receive the bystander edit')
      editServedAtOnce = clock.now() - t0 === t
    }
    const due = Math.max(0, Math.min(sent, options.allowedBy(t)) - 1)
    await waitFor(() => handedOn.length >= due, `${due} frames handed on by ${t} virtual ms`)
    await new Promise((resolve) => setImmediate(resolve))
    if (handedOn.length < frames.length) clock.advance(STEP)
  }
  await whenReceived(offender.ws, () => replies >= frames.length, 'a reply to every frame')
  // Each frame is answered when it is handed on, and all are: the pong comes behind any extra reply.
  expect(await roundTrip(offender.ws), 'the offender answers a ping after the flood').toBe(true)
  return { handedOn, replies, editServedAtOnce, stillOpen: offender.ws.readyState === WebSocket.OPEN }
}

/**
 * Checks a clocked flood against a token bucket of `burst` and `ratePerSecond` (in the units
 * `unitOf` counts): at every hand-on instant the units handed on so far stay within
 * burst + rate·t (no slack: the clock is exact), and the flood ends as soon as the bucket lets
 * it — each wait rounds up to a whole millisecond, so at most 1 ms per frame later.
 */
function expectClockedThrottle(
  result: ClockedFloodResult,
  frames: readonly Uint8Array[],
  unitOf: (frame: Uint8Array) => number,
  burst: number,
  ratePerSecond: number,
  label: string,
): void {
  const { handedOn } = result
  let units = 0
  let worst = -Infinity
  handedOn.forEach((t, i) => {
    units += unitOf(frames[i]!)
    worst = Math.max(worst, units - (burst + (ratePerSecond * t) / 1000))
  })
  const total = frames.reduce((sum, frame) => sum + unitOf(frame), 0)
  const earliestEnd = ((total - burst) / ratePerSecond) * 1000
  const last = handedOn.at(-1) ?? 0
  figure(
    `${label} (driven clock): ${handedOn.length}/${frames.length} handed on, the last at ${last} virtual ms (the bucket allows ${earliestEnd.toFixed(0)} at the earliest),`,
    `at worst ${worst.toFixed(3)} ahead of the bucket, per 500 ms ${JSON.stringify(histogram(handedOn, 500))}`,
  )
  expect(result.stillOpen, 'the flooding connection stays open').toBe(true)
  expect(handedOn.length, 'every flooded message is handed on').toBe(frames.length)
  expect(result.replies, 'every flooded message is answered, once').toBe(frames.length)
  expect(
    [...handedOn].sort((a, b) => a - b),
    'handed on in time order',
  ).toEqual(handedOn)
  expect(worst, 'never ahead of the token bucket (burst + rate·t)').toBeLessThanOrEqual(1e-9)
  expect(last, 'the flood ends no sooner than the bucket allows').toBeGreaterThanOrEqual(earliestEnd)
  expect(last, 'and no later than it allows').toBeLessThanOrEqual(earliestEnd + frames.length + 10)
  expect(result.editServedAtOnce, 'the bystander edit is relayed with the clock standing still').toBe(true)
}

describe('rate limits throttle the sender and nobody else', () => {
  const MESSAGES_PER_SECOND = 50
  const FLOOD = 200

  async function messageRateServer(deps: Parameters<typeof startServer>[1] = {}) {
    const running = await serve({ maxMessagesPerSecond: String(MESSAGES_PER_SECOND) }, deps)
    const bystander = client(await connectSynced(running.wsUrl, 'rate'))
    const watcher = client(await connectSynced(running.wsUrl, 'rate'))
    const closes = [...watchCloses(bystander), ...watchCloses(watcher)]
    // Query awareness is answered only when someone is present.
    bystander.provider.awareness.setLocalStateField('user', { name: 'bystander' })
    await whenPresence(watcher, () => watcher.provider.awareness.getStates().has(bystander.doc.clientID), 'presence to be live')
    return { running, bystander, watcher, closes }
  }

  /** Slack over the bucket: a reply is timed after its frame was handed on, so none is needed; one message, for rounding. */
  const MESSAGE_SLACK = 1

  it('[B2] TANDEM_MAX_MESSAGES_PER_SECOND (smoke, real time): 100 query-awareness frames sent at once (limit 50/s) are throttled, never ahead of the bucket, all answered once; the connection stays open; the others are served', async () => {
    const SMOKE_FLOOD = 100
    const { running, bystander, watcher, closes } = await messageRateServer()
    const before = await limitHits(running.httpUrl)
    const frames = Array.from({ length: SMOKE_FLOOD }, () => queryAwarenessFrame())
    const result = await flood(running, 'rate', bystander, watcher, frames, { replyKind: 'awareness', burst: MESSAGES_PER_SECOND })
    const after = await limitHits(running.httpUrl)
    const { replies } = result
    const ahead = aheadOfBucket(replies, 1, MESSAGES_PER_SECOND, MESSAGES_PER_SECOND)
    const last = Math.max(...replies)
    figure(
      `messages/s, all at once (real time): ${replies.length}/${SMOKE_FLOOD} processed, busiest 1 s window ${maxInWindow(replies, 1000)}, at worst ${ahead.toFixed(1)} messages ahead of the bucket`,
      `(limit ${MESSAGES_PER_SECOND}/s, burst ${MESSAGES_PER_SECOND}), last reply after ${last.toFixed(0)} ms, per 500 ms ${JSON.stringify(histogram(replies, 500))},`,
      `bystander edit reached the watcher in ${result.editDelayMs.toFixed(0)} ms and the offender in ${result.offenderEditDelayMs.toFixed(0)} ms`,
    )
    expect((after.messages_per_second ?? 0) - (before.messages_per_second ?? 0)).toBeGreaterThanOrEqual(1)
    expect(closes).toEqual([])
    // Throttled, not closed; nothing dropped, nothing answered twice.
    expect(result.stillOpen, 'the flooding connection stays open').toBe(true)
    expect(replies.length, 'every flooded message is processed, once').toBe(SMOKE_FLOOD)
    // Lower bounds only, which a slow machine cannot miss: replies arrive after the server
    // handled their frames, and the server's bucket runs on this same clock. By time t at most
    // burst + rate·t may have been processed, so the flood cannot end before (FLOOD − burst) / rate.
    expect(ahead, 'processing stays within the token bucket (burst + rate·t)').toBeLessThanOrEqual(MESSAGE_SLACK)
    expect(last, 'the flood is spread over time').toBeGreaterThanOrEqual(
      ((SMOKE_FLOOD - MESSAGES_PER_SECOND) / MESSAGES_PER_SECOND) * 1000 * 0.8,
    )
    // How fast the others are served meanwhile (at once, the clock standing still) is checked on the driven clock.
  })

  it('[B2] TANDEM_MAX_MESSAGES_PER_SECOND: 200 query-awareness frames sent at once (limit 50/s) are handed on at exactly the bucket rate on a driven clock; the connection stays open; the others are served with the clock standing still', async () => {
    const clock = new ManualClock()
    const { running, bystander, watcher, closes } = await messageRateServer({ scheduler: clock })
    const before = await limitHits(running.httpUrl)
    const frames = Array.from({ length: FLOOD }, () => queryAwarenessFrame())
    const result = await floodOnClock(running, clock, 'rate', bystander, watcher, frames, {
      batch: FLOOD,
      everyMs: 0,
      replyKind: 'awareness',
      allowedBy: (t) => Math.floor(MESSAGES_PER_SECOND + (MESSAGES_PER_SECOND * t) / 1000),
      limitMs: (FLOOD / MESSAGES_PER_SECOND) * 1000 + 1000,
    })
    const after = await limitHits(running.httpUrl)
    expect((after.messages_per_second ?? 0) - (before.messages_per_second ?? 0)).toBeGreaterThanOrEqual(1)
    expect(closes).toEqual([])
    expectClockedThrottle(result, frames, () => 1, MESSAGES_PER_SECOND, MESSAGES_PER_SECOND, 'messages/s, all at once')
  })

  it('[B2] TANDEM_MAX_MESSAGES_PER_SECOND: a sustained flood (10 frames every 20 ms, 10× the limit) is handed on at exactly the bucket rate on a driven clock; recovery: after a quiet second it flows freely again', async () => {
    const clock = new ManualClock()
    const { running, bystander, watcher, closes } = await messageRateServer({ scheduler: clock })
    const before = await limitHits(running.httpUrl)
    const frames = Array.from({ length: FLOOD }, () => queryAwarenessFrame())
    const result = await floodOnClock(running, clock, 'rate', bystander, watcher, frames, {
      batch: 10,
      everyMs: 20,
      replyKind: 'awareness',
      allowedBy: (t) => Math.floor(MESSAGES_PER_SECOND + (MESSAGES_PER_SECOND * t) / 1000),
      limitMs: (FLOOD / MESSAGES_PER_SECOND) * 1000 + 1000,
    })
    const after = await limitHits(running.httpUrl)
    expect((after.messages_per_second ?? 0) - (before.messages_per_second ?? 0)).toBeGreaterThanOrEqual(1)
    expect(closes).toEqual([])
    expectClockedThrottle(result, frames, () => 1, MESSAGES_PER_SECOND, MESSAGES_PER_SECOND, 'messages/s, sustained')

    // Recovery: a second later the bucket is full again, and a newcomer's 20 frames are all
    // answered with the clock standing still: nothing waits for a budget.
    clock.advance(1_000)
    const polite = await raw(`${running.wsUrl}/rate`)
    await whenFrames(polite, 'awareness', 'polite to join')
    const count = polite.received.length
    const frozenAt = clock.now()
    for (let i = 0; i < 20; i++) polite.send(queryAwarenessFrame())
    await whenReceived(polite.ws, () => polite.received.length - count >= 20, 'twenty answers within the budget')
    expect(clock.now()).toBe(frozenAt)
  })

  const BYTES_PER_SECOND = 8192
  const BYTE_FRAMES = 24
  /** A sync step 1 of about 1 KB (a well-formed state vector of 250 entries); answered with step 2. */
  const kilobyteStep1 = () => syncStep1Frame(stateVectorWith(250))

  async function byteRateServer(deps: Parameters<typeof startServer>[1] = {}) {
    // The byte bucket's burst is max(bytes/s, max message bytes): keep both at 8 KiB.
    const running = await serve({ maxBytesPerSecond: String(BYTES_PER_SECOND), maxMessageBytes: String(BYTES_PER_SECOND) }, deps)
    const bystander = client(await connectSynced(running.wsUrl, 'bytes'))
    const watcher = client(await connectSynced(running.wsUrl, 'bytes'))
    const closes = [...watchCloses(bystander), ...watchCloses(watcher)]
    bystander.provider.awareness.setLocalStateField('user', { name: 'bystander' })
    await whenPresence(watcher, () => watcher.provider.awareness.getStates().has(bystander.doc.clientID), 'presence to be live')
    return { running, bystander, watcher, closes }
  }

  it('[B2] TANDEM_MAX_BYTES_PER_SECOND: 40 KB of 1 KB frames sent at once (limit 8 KB/s) are handed on within the byte bucket on a driven clock, ending as soon as it allows; the connection stays open; the others are served with the clock standing still', async () => {
    const clock = new ManualClock()
    const { running, bystander, watcher, closes } = await byteRateServer({ scheduler: clock })
    const before = await limitHits(running.httpUrl)
    const frames = Array.from({ length: 40 }, kilobyteStep1)
    const frameBytes = frames[0]!.length
    const result = await floodOnClock(running, clock, 'bytes', bystander, watcher, frames, {
      batch: frames.length,
      everyMs: 0,
      replyKind: 'sync-step2',
      allowedBy: (t) => Math.floor((BYTES_PER_SECOND + (BYTES_PER_SECOND * t) / 1000) / frameBytes),
      limitMs: ((frames.length * frameBytes) / BYTES_PER_SECOND) * 1000 + 1000,
    })
    const after = await limitHits(running.httpUrl)
    expect((after.bytes_per_second ?? 0) - (before.bytes_per_second ?? 0)).toBeGreaterThanOrEqual(1)
    expect(closes).toEqual([])
    expectClockedThrottle(result, frames, (frame) => frame.length, BYTES_PER_SECOND, BYTES_PER_SECOND, 'bytes/s, all at once')
  })

  it('[B2] TANDEM_MAX_BYTES_PER_SECOND: a sustained flood (1 KB every 20 ms, 6× the limit) is handed on within the byte bucket on a driven clock, ending as soon as it allows; the connection stays open', async () => {
    const clock = new ManualClock()
    const { running, bystander, watcher, closes } = await byteRateServer({ scheduler: clock })
    const before = await limitHits(running.httpUrl)
    const frames = Array.from({ length: BYTE_FRAMES }, kilobyteStep1)
    const frameBytes = frames[0]!.length
    const result = await floodOnClock(running, clock, 'bytes', bystander, watcher, frames, {
      batch: 1,
      everyMs: 20,
      replyKind: 'sync-step2',
      allowedBy: (t) => Math.floor((BYTES_PER_SECOND + (BYTES_PER_SECOND * t) / 1000) / frameBytes),
      limitMs: ((frames.length * frameBytes) / BYTES_PER_SECOND) * 1000 + 1000,
    })
    const after = await limitHits(running.httpUrl)
    expect((after.bytes_per_second ?? 0) - (before.bytes_per_second ?? 0)).toBeGreaterThanOrEqual(1)
    expect(closes).toEqual([])
    expectClockedThrottle(result, frames, (frame) => frame.length, BYTES_PER_SECOND, BYTES_PER_SECOND, 'bytes/s, sustained')
  })
})

// ---------------------------------------------------------------------------------------------
// presence

describe('presence limits', () => {
  it('[B3][A1] TANDEM_MAX_AWARENESS_PER_SECOND (smoke, real time): 100 quick presence updates (limit 5/s) are coalesced, latest wins, in order; the bystander is served; a later update still goes out', async () => {
    const RATE = 5
    const running = await serve({ maxAwarenessPerSecond: String(RATE) })
    const sender = client(await connectSynced(running.wsUrl, 'carets'))
    const bystander = client(await connectSynced(running.wsUrl, 'carets'))
    const closes = [...watchCloses(sender), ...watchCloses(bystander)]
    // Count, frame by frame, what the bystander receives about the sender.
    const aboutSender: Array<{ clock: number; json: string }> = []
    bystander.provider.ws!.addEventListener('message', (event: { data: unknown }) => {
      const frame = new Uint8Array(event.data as ArrayBuffer)
      if (frameKind(frame) !== 'awareness') return
      for (const entry of awarenessEntries(frame)) {
        if (entry.clientId === sender.doc.clientID) aboutSender.push(entry)
      }
    })
    const cursorsAfter = (from: number) =>
      aboutSender.slice(from).map((e) => (JSON.parse(e.json) as { cursor?: { index: number } }).cursor?.index)
    const before = await limitHits(running.httpUrl)
    const SENT = 100
    // One synchronous loop in the process that also runs the server: all hundred frames are
    // written before the server reads any, so it reads them together however slow the machine
    // is, and what it relays does not depend on timing: the rest of the burst at once, then the
    // latest state once the budget allows. (Each instant exactly: room.test.ts [B3].)
    for (let i = 1; i <= SENT; i++) sender.provider.awareness.setLocalStateField('cursor', { index: i })
    // Meanwhile the bystander's own presence is relayed: its budget is its own.
    bystander.provider.awareness.setLocalStateField('user', { name: 'bystander' })
    await whenPresence(sender, () => sender.provider.awareness.getStates().has(bystander.doc.clientID), 'the sender to see the bystander')

    // Checked on each frame the bystander receives, after the provider and the counter above have seen it.
    const bystanderSocket = socketOf(bystander)
    const last = sender.provider.awareness.getLocalState()
    await whenReceived(
      bystanderSocket,
      () => JSON.stringify(bystander.provider.awareness.getStates().get(sender.doc.clientID)) === JSON.stringify(last),
      "the bystander's view to reach the sender's latest state",
    )
    figure(
      `awareness/s ${RATE} (real time): sent ${SENT}, the bystander received ${aboutSender.length} (clocks ${aboutSender.map((e) => e.clock).join(',')})`,
    )
    expect(aboutSender.length, 'far fewer relayed than sent').toBeLessThanOrEqual(RATE + 3)
    expect(aboutSender.length).toBeGreaterThanOrEqual(2)
    expect(JSON.parse(aboutSender.at(-1)!.json)).toEqual(last)
    // Nothing older than what the bystander already had arrives later (latest wins, in order).
    const clocks = aboutSender.map((e) => e.clock)
    expect([...clocks].sort((a, b) => a - b)).toEqual(clocks)
    const after = await limitHits(running.httpUrl)
    expect((after.awareness_per_second ?? 0) - (before.awareness_per_second ?? 0)).toBeGreaterThanOrEqual(1)

    // Recovery: a later update goes out too, and nothing else arrives before it. (That after a
    // quiet second each update within the budget goes out at once: room.test.ts [B3].)
    const relayedBefore = aboutSender.length
    sender.provider.awareness.setLocalStateField('cursor', { index: 1000 })
    await whenReceived(bystanderSocket, () => cursorsAfter(relayedBefore).includes(1000), 'the later update to reach the bystander')
    expect(cursorsAfter(relayedBefore)).toEqual([1000])
    expect(closes).toEqual([])
    await bystanderStillServed(bystander, [], sender)
  })

  it('[B3][A1][A2] TANDEM_MAX_AWARENESS_STATE_BYTES: an oversized presence state closes its sender with 4429 and nobody ever sees it; a state of exactly the limit passes', async () => {
    const LIMIT = 256
    const running = await serve({ maxAwarenessStateBytes: String(LIMIT) })
    const bystander = client(await connectSynced(running.wsUrl, 'sizes'))
    const closes = watchCloses(bystander)
    const seenJson: string[] = []
    bystander.provider.ws!.addEventListener('message', (event: { data: unknown }) => {
      const frame = new Uint8Array(event.data as ArrayBuffer)
      if (frameKind(frame) === 'awareness') for (const entry of awarenessEntries(frame)) seenJson.push(entry.json)
    })
    const offender = await raw(`${running.wsUrl}/sizes`)
    const CLIENT = 424242
    // {"pad":"xxx…"} is 10 bytes of JSON around the padding.
    const exactly = { pad: 'a'.repeat(LIMIT - 10) }
    expect(JSON.stringify(exactly).length).toBe(LIMIT)
    offender.send(awarenessFrame([{ clientId: CLIENT, clock: 1, state: exactly }]))
    await whenPresence(bystander, () => bystander.provider.awareness.getStates().has(CLIENT), 'a state of exactly the limit to be relayed')
    const before = await limitHits(running.httpUrl)

    const oversized = { pad: 'b'.repeat(LIMIT - 9) }
    offender.send(awarenessFrame([{ clientId: CLIENT, clock: 2, state: oversized }]))
    const closed = await offender.closed
    expect(closed.code).toBe(CloseCode.RateLimited.code)
    // A2: the offender's earlier state is removed for everyone at once.
    await whenPresence(bystander, () => !bystander.provider.awareness.getStates().has(CLIENT), "the offender's presence to be removed")
    // Whatever the server sent the bystander before it answers this has arrived.
    await presenceRoundTrip(bystander)
    expect(
      seenJson.some((json) => json.includes('bbbb')),
      'the oversized state never reached anyone',
    ).toBe(false)
    expect(running.server.rooms.loadedRoom('sizes')?.presence.states().has(CLIENT)).toBe(false)
    const after = await limitHits(running.httpUrl)
    expect((after.awareness_state_size ?? 0) - (before.awareness_state_size ?? 0)).toBe(1)
    await bystanderStillServed(bystander, closes, bystander)

    // Recovery: the same client id, reconnected with a normal state, is relayed again.
    const again = await raw(`${running.wsUrl}/sizes`)
    again.send(awarenessFrame([{ clientId: CLIENT, clock: 3, state: { user: { name: 'reformed' } } }]))
    await whenPresence(
      bystander,
      () => (bystander.provider.awareness.getStates().get(CLIENT) as { user?: { name?: string } } | undefined)?.user?.name === 'reformed',
      'a normal state from the reconnected client to be relayed',
    )
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('[B3] TANDEM_MAX_AWARENESS_STATE_BYTES counts bytes (as documented), not UTF-16 code units: 100 "€" (300 bytes of JSON string) exceed a 256-byte limit', async () => {
    const LIMIT = 256
    const running = await serve({ maxAwarenessStateBytes: String(LIMIT) })
    const bystander = client(await connectSynced(running.wsUrl, 'utf8'))
    const offender = await raw(`${running.wsUrl}/utf8`)
    const state = { pad: '€'.repeat(100) }
    const json = JSON.stringify(state)
    figure(`awareness state of ${json.length} UTF-16 code units = ${Buffer.byteLength(json)} bytes of JSON, limit ${LIMIT} bytes`)
    expect(Buffer.byteLength(json)).toBeGreaterThan(LIMIT)
    // Either the server closes it (4429), or the state reaches the bystander: whichever happens first.
    const relayed = new Promise<string>((resolve) => {
      const onUpdate = () => {
        if (bystander.provider.awareness.getStates().has(777)) resolve('relayed to the bystander')
      }
      bystander.provider.awareness.on('update', onUpdate)
      cleanups.push(() => bystander.provider.awareness.off('update', onUpdate))
    })
    offender.send(awarenessFrame([{ clientId: 777, clock: 1, state }]))
    const outcome = await Promise.race([offender.closed.then((c) => `closed ${c.code}`), relayed])
    expect(outcome).toBe(`closed ${CloseCode.RateLimited.code}`)
    // And not both: whatever the server sent the bystander before it answers this has arrived.
    await presenceRoundTrip(bystander)
    expect(bystander.provider.awareness.getStates().has(777), 'the oversized state never reached the bystander').toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// memory: loaded documents, send buffers, backlogs, frame size

describe('memory limits', () => {
  it('[B4][L3] TANDEM_MAX_LOADED_DOCUMENTS: the least recently used document is unloaded (its clients get 1013), the new one loads, the others go on, and the evicted content is intact', async () => {
    const running = await serve({ maxLoadedDocuments: '2' })
    const rooms = running.server.rooms
    // a: a raw client that edits first (least recently used).
    const a = await raw(`${running.wsUrl}/doc-a`)
    const aDoc = new Y.Doc()
    aDoc.getText('t').insert(0, 'content of a')
    aDoc.getMap('m').set('k', 42)
    a.send(updateFrame(Y.encodeStateAsUpdate(aDoc)))
    await whenFrames(a, 'update', 'a stored (echo)')
    // b: a stock bystander that edits later: its room is created after a's echo came back, so
    // it is the more recently active one (by the server's clock; the order exactly: room.test.ts [B4]).
    const b = client(await connectSynced(running.wsUrl, 'doc-b'))
    const bCloses = watchCloses(b)
    b.doc.getText('t').insert(0, 'content of b')
    const bPeer = client(await connectSynced(running.wsUrl, 'doc-b'))
    await whenDoc(bPeer.doc, () => bPeer.doc.getText('t').toString() === 'content of b', 'b to sync')
    expect(rooms.loadedRooms).toBe(2)
    const before = await limitHits(running.httpUrl)

    const c = client(await connectSynced(running.wsUrl, 'doc-c'))
    // The server unloaded a before it loaded c, so by now (and a's client sees it next).
    expect(rooms.loadedRoom('doc-a')).toBeUndefined()
    expect(rooms.loadedRooms).toBe(2)
    const aClosed = await a.closed
    expect(aClosed.code).toBe(CloseCode.TryAgainLater.code)
    c.doc.getText('t').insert(0, 'content of c')
    const after = await limitHits(running.httpUrl)
    expect((after.loaded_documents ?? 0) - (before.loaded_documents ?? 0)).toBe(1)
    await bystanderStillServed(b, bCloses, bPeer)

    // Recovery: once c's client leaves (c unloads), a reconnecting client finds a intact,
    // and b is not disturbed by the reload. c's edit is stored once c's round trip is answered.
    await serverRoundTrip(c)
    const probe = await connectSynced(running.wsUrl, 'doc-c')
    expect(probe.doc.getText('t').toString(), 'c stored').toBe('content of c')
    probe.destroy()
    c.destroy()
    await waitFor(() => rooms.loadedRoom('doc-c') === undefined, 'c unloaded')
    const aAgain = client(await connectSynced(running.wsUrl, 'doc-a'))
    expect(aAgain.doc.getText('t').toString()).toBe('content of a')
    expect(aAgain.doc.getMap('m').get('k')).toBe(42)
    expect(rooms.loadedRooms).toBe(2)
    await bystanderStillServed(b, bCloses, bPeer)
  })

  it('[B5] TANDEM_MAX_BUFFERED_BYTES: a reader that stops reading is closed with 1013 once 256 KB are queued for it; the writer and another reader are unaffected; it can reconnect', async () => {
    const LIMIT = 256 * 1024
    const running = await serve({
      maxBufferedBytes: String(LIMIT),
      maxMessageBytes: String(1024 * 1024),
      maxBytesPerSecond: String(200 * 1024 * 1024),
    })
    const slow = await raw(`${running.wsUrl}/firehose`)
    await whenFrames(slow, 'sync-step1', 'the slow reader to join')
    const slowConnection = running.server.rooms.openConnections()[0]!
    let serverSideClose: { code: number; at: number } | null = null
    slowConnection.onClose((reason) => (serverSideClose = { code: reason.code, at: performance.now() }))
    const reader = client(await connectSynced(running.wsUrl, 'firehose'))
    const readerCloses = watchCloses(reader)
    const writer = await raw(`${running.wsUrl}/firehose`)
    let echoes = 0
    writer.ws.on('message', (data: Buffer) => {
      if (frameKind(new Uint8Array(data)) === 'update') echoes++
    })
    await whenFrames(writer, 'sync-step1', 'the writer to join')
    expect(running.server.rooms.openConnections().length).toBe(3)
    const before = await limitHits(running.httpUrl)
    ;(slow.ws as unknown as { _socket: net.Socket })._socket.pause()

    const source = new Y.Doc()
    const CHUNK = 50_000
    let sentUpdates = 0
    let sentBytes = 0
    const t0 = performance.now()
    for (let i = 0; i < 400 && serverSideClose === null; i++) {
      const sv = Y.encodeStateVector(source)
      source.getText('t').insert(source.getText('t').length, String.fromCharCode(97 + (i % 26)).repeat(CHUNK))
      const update = Y.encodeStateAsUpdate(source, sv)
      writer.send(updateFrame(update))
      sentUpdates++
      sentBytes += update.length
      // Paced by the echo: once it is back, the server has stored the update and sent it to
      // everyone, the slow reader included, and checked that reader's send buffer (D3, D4).
      await whenReceived(writer.ws, () => echoes === sentUpdates, `the echo of update ${sentUpdates}`)
    }
    expect(serverSideClose, 'the slow reader was closed by the server').not.toBeNull()
    const closedAfterMs = serverSideClose!.at - t0
    expect(serverSideClose!.code).toBe(CloseCode.TryAgainLater.code)

    // The writer got every echo, and the other reader gets every update: once its own round
    // trip is answered, everything stored before has reached it.
    expect(echoes).toBe(sentUpdates)
    await serverRoundTrip(reader)
    expect(reader.doc.getText('t').length).toBe(sentUpdates * CHUNK)
    expect(reader.doc.getText('t').toString()).toBe(source.getText('t').toString())
    expect(readerCloses).toEqual([])
    expect(writer.ws.readyState).toBe(WebSocket.OPEN)
    expect(running.server.rooms.connectionCount).toBe(2)
    const after = await limitHits(running.httpUrl)
    expect((after.send_buffer ?? 0) - (before.send_buffer ?? 0)).toBe(1)

    // The client sees the close once it reads again.
    ;(slow.ws as unknown as { _socket: net.Socket })._socket.resume()
    const seen = await slow.closed
    figure(
      `send buffer ${LIMIT} B: slow reader closed after ${sentUpdates} updates (${(sentBytes / 1e6).toFixed(2)} MB sent, ${closedAfterMs.toFixed(0)} ms);`,
      `the client saw close code ${seen.code} after resuming`,
    )
    expect([CloseCode.TryAgainLater.code, 1006]).toContain(seen.code)
    await waitFor(() => running.server.transport.socketCount === 2, 'the slow socket is gone on the server')

    // Recovery: the slow client reconnects and gets the whole document.
    const back = client(await connectSynced(running.wsUrl, 'firehose'))
    expect(back.doc.getText('t').length).toBe(sentUpdates * CHUNK)
    await bystanderStillServed(reader, readerCloses, writer.ws)
  })

  it('[B7][P8] TANDEM_MAX_MESSAGE_BYTES: a frame one byte over closes with 1009 and is counted as kind="message_size"; a frame of exactly the limit is fine', async () => {
    const LIMIT = 4096
    const running = await serve({ maxMessageBytes: String(LIMIT) })
    const bystander = client(await connectSynced(running.wsUrl, 'big'))
    const closes = watchCloses(bystander)
    const before = await limitHits(running.httpUrl)
    const offender = await raw(`${running.wsUrl}/big`)
    offender.send(new Uint8Array(LIMIT + 1))
    expect((await offender.closed).code).toBe(CloseCode.MessageTooBig.code)
    const after = await limitHits(running.httpUrl)
    expect((after.message_size ?? 0) - (before.message_size ?? 0)).toBe(1)
    await bystanderStillServed(bystander, closes, bystander)

    // Recovery / boundary: a well-formed sync step 1 of exactly LIMIT bytes is answered.
    const again = await raw(`${running.wsUrl}/big`)
    let entries = Math.floor((LIMIT - 6) / 4)
    let frame = syncStep1Frame(stateVectorWith(entries))
    while (frame.length > LIMIT) frame = syncStep1Frame(stateVectorWith(--entries))
    // Pad to exactly LIMIT with a larger first client id if needed (varints grow by a byte).
    for (let first = 1_000_000; frame.length < LIMIT && first < 2 ** 40; first *= 128) {
      const candidate = syncStep1Frame(stateVectorWith(entries, first))
      if (candidate.length <= LIMIT) frame = candidate
    }
    figure(`max message bytes ${LIMIT}: boundary frame of ${frame.length} bytes`)
    expect(frame.length).toBeGreaterThan(LIMIT - 8)
    again.send(frame)
    await whenFrames(again, 'sync-step2', 'a frame at the limit to be answered')
    expect(again.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('[B7][L2] TANDEM_MAX_BACKLOG_BYTES: a client sending more than 4 KB while its document loads is closed with 4429; a client under it is answered in order after the load; the bystander syncs; counted in tandem_limit_hits_total', async () => {
    const LIMIT = 4096
    const dataDir = makeTempDir()
    const storage = new GatedStorage(new SqliteStorage({ dataDir }))
    const running = await serve({ maxBacklogBytes: String(LIMIT) }, { storage }, dataDir)
    const release = storage.holdLoads()
    let released = false
    cleanups.push(() => {
      if (!released) release()
    })
    const bystander = client(connectClient(running.wsUrl, 'slow-load'))
    const closes = watchCloses(bystander)
    const offender = await raw(`${running.wsUrl}/slow-load`)
    const underLimit = await raw(`${running.wsUrl}/slow-load`)
    const before = await limitHits(running.httpUrl)
    // Five frames of ~1 KB: the fifth passes 4 KB. Three frames (~3 KB) stay under.
    const frame = syncStep1Frame(stateVectorWith(250))
    for (let i = 0; i < 5; i++) offender.send(frame)
    const tagged = [1, 2, 3].map((n) => syncStep1Frame(stateVectorWith(250, n * 10_000_000)))
    for (const f of tagged) underLimit.send(f)
    const closed = await offender.closed
    expect(closed.code).toBe(CloseCode.RateLimited.code)
    // Still loading: closed before anything was loaded or answered.
    expect(running.server.rooms.loadedRoom('slow-load')).toBeUndefined()
    expect(offender.received.length).toBe(0)
    expect(underLimit.ws.readyState).toBe(WebSocket.OPEN)

    release()
    released = true
    await whenSynced(bystander, 'the bystander to sync after the load')
    await whenFrames(underLimit, 'sync-step2', 'the backlog to be answered', 3)
    const editor = client(await connectSynced(running.wsUrl, 'slow-load'))
    await bystanderStillServed(bystander, closes, editor)

    // Recovery: the offender reconnects to the loaded document; the same frames are now answered.
    const again = await raw(`${running.wsUrl}/slow-load`)
    for (let i = 0; i < 5; i++) again.send(frame)
    await whenFrames(again, 'sync-step2', 'the same frames to be answered once loaded', 5)
    expect(again.ws.readyState).toBe(WebSocket.OPEN)

    // SPEC B (and the README's Limits): hitting any limit "counts tandem_limit_hits_total{kind}"; B7 names the backlog.
    const after = await limitHits(running.httpUrl)
    figure(`backlog bytes ${LIMIT}: limit hits before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`)
    expect(totalHits(after) - totalHits(before), 'the backlog refusal is counted under some kind').toBeGreaterThanOrEqual(1)
  })
})

// ---------------------------------------------------------------------------------------------
// slowloris

describe('handshake deadline', () => {
  interface Probe {
    readonly closedAfterMs: number
    readonly response: string
  }

  /** The client gives up after this long; a server that never cuts it is caught by the missing 408. */
  const GIVE_UP_MS = 10_000

  /**
   * A raw TCP client that sends `parts` (one every `everyMs`) and never completes its request:
   * `connected` once the TCP connection is up, `probe` once it is closed.
   */
  function slowClient(port: number, parts: string[], everyMs: number): { connected: Promise<void>; probe: Promise<Probe> } {
    let onConnected!: () => void
    const connected = new Promise<void>((resolve) => (onConnected = resolve))
    const probe = new Promise<Probe>((resolve) => {
      const started = performance.now()
      let response = ''
      let timer: NodeJS.Timeout | null = null
      const socket = net.connect(port, '127.0.0.1', () => {
        onConnected()
        let i = 0
        const next = () => {
          if (i < parts.length && !socket.destroyed) socket.write(parts[i++]!)
          if (i < parts.length) timer = setTimeout(next, everyMs)
        }
        next()
      })
      cleanups.push(() => void socket.destroy())
      socket.on('data', (chunk) => (response += chunk.toString()))
      socket.on('error', () => {})
      const giveUp = setTimeout(() => socket.destroy(), GIVE_UP_MS)
      socket.on('close', () => {
        if (timer) clearTimeout(timer)
        clearTimeout(giveUp)
        resolve({ closedAfterMs: performance.now() - started, response })
      })
    })
    return { connected, probe }
  }

  it('[B6] TANDEM_HANDSHAKE_TIMEOUT_MS: a partial upgrade, a trickled one and a silent connection are cut with 408, not before the deadline; a normal client connects meanwhile; counted in tandem_limit_hits_total', async () => {
    const TIMEOUT = 500
    const running = await serve({ handshakeTimeoutMs: String(TIMEOUT) })
    const port = Number(new URL(running.httpUrl).port)
    const bystander = client(await connectSynced(running.wsUrl, 'lorises'))
    const closes = watchCloses(bystander)
    const before = await limitHits(running.httpUrl)
    const request = 'GET /lorises HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    const partial = slowClient(port, [request], 0)
    // One header byte every 100 ms: busy, but never complete.
    const trickle = slowClient(port, request.split(''), 100)
    const silent = slowClient(port, [], 0)

    await Promise.all([partial.connected, trickle.connected, silent.connected])
    const meanwhile = client(await connectSynced(running.wsUrl, 'lorises'))
    await bystanderStillServed(bystander, closes, meanwhile)

    const probes = { partial: await partial.probe, trickle: await trickle.probe, silent: await silent.probe }
    figure(
      `handshake timeout ${TIMEOUT} ms: cut after`,
      Object.entries(probes)
        .map(([name, p]) => `${name} ${p.closedAfterMs.toFixed(0)} ms (${JSON.stringify(p.response.split('\r\n')[0])})`)
        .join(', '),
    )
    for (const [name, probe] of Object.entries(probes)) {
      // The server cut it (not the client giving up; the trickle would have completed its request by then).
      expect(probe.response.split('\r\n')[0], `${name} is cut by the server`).toBe('HTTP/1.1 408 Request Timeout')
      // A lower bound a slow machine cannot miss: the client's clock started before the server's.
      expect(probe.closedAfterMs, `${name} is not cut before the deadline`).toBeGreaterThanOrEqual(TIMEOUT * 0.9)
      // Node's HTTP server keeps this deadline on its own timer, which no injected scheduler
      // reaches, so this bound is in real time: generous (a loaded machine runs that timer
      // late), and still well before the client gives up and the trickle would complete.
      expect(probe.closedAfterMs, `${name} is cut in the seconds after the deadline`).toBeLessThan(TIMEOUT + 4_000)
    }
    expect(bystander.provider.wsconnected).toBe(true)
    expect(meanwhile.provider.wsconnected).toBe(true)
    // Recovery: the same client, sending its request at a normal pace, is upgraded.
    expect((await attempt(`${running.wsUrl}/lorises`)).status).toBe(101)

    // SPEC B (and the README's Limits): hitting any limit "counts tandem_limit_hits_total{kind}".
    const after = await limitHits(running.httpUrl)
    figure(`handshake timeout: limit hits before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`)
    expect(totalHits(after) - totalHits(before), 'the slowloris cut is counted under some kind').toBeGreaterThanOrEqual(3)
  })
})
