import fs from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import * as Y from 'yjs'
import { cpuSeconds, cpuTimes, GroupCpu, io, machineBusySeconds, memory, resetPeak } from '../lib/proc'
import { latencySummary, SampleBuffer } from '../lib/stats'
import { closeAll, connectAll, SimClient } from './client'
import type {
  ColdReadJob,
  ColdReadResult,
  ColdWriteJob,
  ColdWriteResult,
  IdleJob,
  IdleResult,
  IoResult,
  JoinStormJob,
  JoinStormResult,
  PresenceJob,
  PresenceResult,
  SeedJob,
  SeedResult,
  SteadyJob,
  SteadyResult,
  StepResult,
} from './jobs-types'
import { LeanClient } from './lean-client'
import { caretState, clientIdFor, rng, Typist } from './updates'
import { awarenessMessage, awarenessUpdate, Cursor, updateMessage } from './wire'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
/** CLOCK_MONOTONIC in µs: the clock V8 stamps CPU profile samples with, shared by every process. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)
const cursor = new Cursor()

/** A generator that used most of its core, or fell behind its schedule, limits what it measures. */
const GENERATOR_BOUND_CPU = 0.85
const GENERATOR_BOUND_LATENESS_MS = 20

function docUrl(baseUrl: string, docName: string): string {
  return `${baseUrl}/${docName}`
}

function countCloses(clients: readonly SimClient[]): Record<string, number> {
  const closes: Record<string, number> = {}
  for (const client of clients) if (client.closed) closes[String(client.closeCode)] = (closes[String(client.closeCode)] ?? 0) + 1
  return closes
}

/** Generator CPU and event-loop delay over a window. */
class GeneratorMeter {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 })
  private cpu = process.cpuUsage()
  private startedAt = performance.now()

  start(): void {
    this.histogram.reset()
    this.histogram.enable()
    this.cpu = process.cpuUsage()
    this.startedAt = performance.now()
  }

  stop(): { cpuUtil: number; loopDelayP99Ms: number } {
    this.histogram.disable()
    const used = process.cpuUsage(this.cpu)
    const elapsedMs = performance.now() - this.startedAt
    return {
      cpuUtil: (used.user + used.system) / 1000 / elapsedMs,
      loopDelayP99Ms: this.histogram.percentile(99) / 1e6,
    }
  }
}

// ---------------------------------------------------------------------------------------------
// steady: fan-out, saturation, durability
// ---------------------------------------------------------------------------------------------

interface Sender {
  readonly index: number
  readonly client: SimClient
  readonly typist: Typist
  /** Which of SteadyJob.baseUrls the client is connected to (0 with one server). */
  readonly server: number
  /** Other clients of the document on other servers (expected cross-server deliveries per send). */
  crossPeers: number
  sendTimes: Float64Array
  delivered: Uint16Array
  crossDelivered: Uint16Array
  next: number
}

function grow(sender: Sender, size: number): void {
  if (sender.sendTimes.length >= size) return
  const times = new Float64Array(Math.max(size, sender.sendTimes.length * 2))
  times.set(sender.sendTimes)
  sender.sendTimes = times
  const delivered = new Uint16Array(times.length)
  delivered.set(sender.delivered)
  sender.delivered = delivered
  const crossDelivered = new Uint16Array(times.length)
  crossDelivered.set(sender.crossDelivered)
  sender.crossDelivered = crossDelivered
}

/** utime and stime summed over several processes (the servers of a cluster). */
function cpuTimesOf(pids: readonly number[]): { user: number; system: number } {
  let user = 0
  let system = 0
  for (const pid of pids) {
    const times = cpuTimes(pid)
    user += times.user
    system += times.system
  }
  return { user, system }
}

export async function runSteady(job: SteadyJob): Promise<SteadyResult> {
  const random = rng(job.seed)
  const k = job.clientsPerDoc
  const senders: Sender[] = []
  const byClientId = new Map<number, Sender>()
  let windowStart = Infinity
  let windowEnd = -Infinity
  let latencies = new SampleBuffer()
  let echoes = new SampleBuffer()
  let deliveredInWindow = 0
  let duplicates = 0
  let unknown = 0
  let merged = 0
  const urls = job.baseUrls?.length ? job.baseUrls : [job.baseUrl]
  const serverPids = job.serverPids?.length ? job.serverPids : [job.serverPid]
  const multi = urls.length > 1
  let crossLatencies = new SampleBuffer()
  let localLatencies = new SampleBuffer()

  const onUpdate = (client: SimClient, buf: Uint8Array, pos: number, _end: number, now: number) => {
    const c = cursor.reset(buf, pos)
    const clientsInUpdate = c.read()
    if (clientsInUpdate === 0) return
    if (clientsInUpdate > 1) merged++
    c.read() // structs of the first client
    const clientId = c.read()
    const clock = c.read()
    const sender = byClientId.get(clientId)
    const seq = clock / job.chunk
    const sent = sender ? sender.sendTimes[seq] : undefined
    if (!sender || sent === undefined || !(sent > 0)) {
      unknown++
      return
    }
    const inWindow = sent >= windowStart && sent < windowEnd
    if (client.index === sender.index) {
      if (inWindow) echoes.push(now - sent)
      return
    }
    if (++sender.delivered[seq]! > k - 1) duplicates++
    const cross = multi && client.index % urls.length !== sender.server
    if (cross) sender.crossDelivered[seq]!++
    if (inWindow) {
      deliveredInWindow++
      latencies.push(now - sent)
      if (multi) (cross ? crossLatencies : localLatencies).push(now - sent)
    }
  }

  const ioBefore = job.measureIoSettleMs !== undefined ? io(job.serverPid) : null
  const clients: SimClient[] = []
  for (let d = 0; d < job.docs; d++) {
    const docName = `${job.docPrefix}-${d}`
    for (let j = 0; j < k; j++) {
      const index = d * k + j
      const server = index % urls.length
      const client = new SimClient(index, docUrl(urls[server]!, docName), docName, job.protocol, { onUpdate })
      const typist = new Typist(clientIdFor(index), client.prefix, job.chunk)
      let crossPeers = 0
      for (let other = d * k; other < (d + 1) * k; other++) if (other % urls.length !== server) crossPeers++
      const sender: Sender = {
        index,
        client,
        typist,
        server,
        crossPeers,
        sendTimes: new Float64Array(64),
        delivered: new Uint16Array(64),
        crossDelivered: new Uint16Array(64),
        next: 0,
      }
      senders.push(sender)
      byClientId.set(typist.clientId, sender)
      clients.push(client)
    }
  }
  const connectStarted = performance.now()
  const failures = await connectAll(clients, 100)
  const connectMs = performance.now() - connectStarted
  if (failures.length > clients.length * 0.01) {
    await closeAll(clients)
    throw new Error(`${failures.length} of ${clients.length} clients failed to connect: ${failures[0]?.message}`)
  }
  await sleep(500)

  const steps: StepResult[] = []
  let updateBytes = 0
  let updates = 0
  const meter = new GeneratorMeter()
  const runStep = async (rate: number): Promise<StepResult> => {
    const period = 1000 / rate
    const duration = job.warmupMs + job.windowMs
    const rounds = Math.ceil(duration / period)
    for (const sender of senders) {
      sender.typist.generate(sender.next + rounds + 1)
      grow(sender, sender.next + rounds + 1)
    }
    const phases = senders.map(() => random() * period)
    const order = senders.map((_, i) => i).sort((a, b) => phases[a]! - phases[b]!)
    latencies = new SampleBuffer()
    echoes = new SampleBuffer()
    crossLatencies = new SampleBuffer()
    localLatencies = new SampleBuffer()
    const watched = (job.watch ?? []).map((w) => ({ name: w.name, cpu: new GroupCpu(w) }))
    const watchedCpuSec: Record<string, number> = {}
    const lateness = new SampleBuffer()
    deliveredInWindow = 0
    duplicates = 0
    let sendsInWindow = 0
    let scheduledInWindow = 0
    const firstSeq = senders.map((s) => s.next)
    const t0 = performance.now() + 50
    windowStart = t0 + job.warmupMs
    windowEnd = t0 + duration
    let cpuAtStart = NaN
    let cpuAtEnd = NaN
    let machineAtStart = NaN
    let machineAtEnd = NaN
    let monotonicStart = NaN
    let monotonicEnd = NaN
    let sysAtStart = NaN
    let sysAtEnd = NaN
    let generator = { cpuUtil: NaN, loopDelayP99Ms: NaN }
    await new Promise<void>((resolve) => {
      let round = 0
      let position = 0
      const tick = () => {
        const now = performance.now()
        if (Number.isNaN(cpuAtStart) && now >= windowStart) {
          monotonicStart = monotonicUs()
          for (const w of watched) w.cpu.start()
          const times = cpuTimesOf(serverPids)
          cpuAtStart = times.user + times.system
          sysAtStart = times.system
          machineAtStart = machineBusySeconds()
          meter.start()
        }
        const elapsed = now - t0
        while (round < rounds) {
          const i = order[position]!
          const at = phases[i]! + round * period
          if (at < duration) {
            if (at > elapsed) break
            const sender = senders[i]!
            const seq = sender.next++
            const frame = sender.typist.frames[seq]!
            const sentAt = performance.now()
            sender.sendTimes[seq] = sentAt
            sender.client.send(frame)
            sender.typist.frames[seq] = undefined
            updateBytes += sender.typist.updateBytes[seq]!
            updates++
            if (at >= job.warmupMs) {
              scheduledInWindow++
              lateness.push(sentAt - (t0 + at))
              if (sentAt < windowEnd) sendsInWindow++
            }
          }
          if (++position === order.length) {
            position = 0
            round++
          }
        }
        if (round >= rounds) {
          const finish = () => {
            const times = cpuTimesOf(serverPids)
            cpuAtEnd = times.user + times.system
            sysAtEnd = times.system
            for (const w of watched) watchedCpuSec[w.name] = w.cpu.stop()
            monotonicEnd = monotonicUs()
            machineAtEnd = machineBusySeconds()
            generator = meter.stop()
            resolve()
          }
          const wait = windowEnd - performance.now()
          if (wait > 0) setTimeout(finish, wait)
          else finish()
          return
        }
        const nextAt = t0 + phases[order[position]!]! + round * period
        setTimeout(tick, Math.max(0, nextAt - performance.now() - 1))
      }
      setTimeout(tick, Math.max(0, t0 - performance.now()))
    })
    await sleep(job.drainMs)
    // Deliveries expected for what was sent in the window (every other client of the document).
    let expected = 0
    let delivered = 0
    let crossExpected = 0
    let crossDelivered = 0
    for (let s = 0; s < senders.length; s++) {
      const sender = senders[s]!
      for (let seq = firstSeq[s]!; seq < sender.next; seq++) {
        const sent = sender.sendTimes[seq]!
        if (sent >= windowStart && sent < windowEnd) {
          expected += k - 1
          delivered += Math.min(k - 1, sender.delivered[seq]!)
          crossExpected += sender.crossPeers
          crossDelivered += Math.min(sender.crossPeers, sender.crossDelivered[seq]!)
        }
      }
    }
    const latency = latencySummary(latencies.values())
    const serverCpuSec = cpuAtEnd - cpuAtStart
    const windowSec = job.windowMs / 1000
    const sendLatenessP99Ms = latencySummary(lateness.values()).p99
    const deliveredRatio = expected > 0 ? delivered / expected : 0
    const generatorBound =
      generator.cpuUtil >= GENERATOR_BOUND_CPU ||
      sendLatenessP99Ms > GENERATOR_BOUND_LATENESS_MS ||
      sendsInWindow < scheduledInWindow * 0.95
    const criteria = job.saturation
    const pass = criteria ? latency.p99 <= criteria.maxP99Ms && deliveredRatio >= criteria.minDeliveredRatio : deliveredRatio === 1
    return {
      rate,
      offeredDeliveriesPerSec: rate * senders.length * (k - 1),
      sendsInWindow,
      achievedSendRatio: scheduledInWindow ? sendsInWindow / (rate * senders.length * windowSec) : 0,
      expected,
      delivered,
      deliveredRatio,
      deliveriesPerSec: deliveredInWindow / windowSec,
      duplicates,
      latency,
      echo: echoes.length ? latencySummary(echoes.values()) : null,
      serverCpuSec,
      serverSysSec: sysAtEnd - sysAtStart,
      serverCpuUtil: serverCpuSec / windowSec,
      generatorCpuUtil: generator.cpuUtil,
      generatorLoopDelayP99Ms: generator.loopDelayP99Ms,
      // Watched processes (Redis, PostgreSQL) serve this load: not "other".
      otherCpuUtil:
        (machineAtEnd - machineAtStart) / windowSec -
        serverCpuSec / windowSec -
        generator.cpuUtil -
        Object.values(watchedCpuSec).reduce((sum, v) => sum + v, 0) / windowSec,
      sendLatenessP99Ms,
      generatorBound,
      pass,
      watchedCpuSec: job.watch ? watchedCpuSec : undefined,
      cross: multi
        ? {
            expected: crossExpected,
            delivered: crossDelivered,
            latency: latencySummary(crossLatencies.values()),
            local: latencySummary(localLatencies.values()),
          }
        : undefined,
      windowMonotonicUs: [monotonicStart, monotonicEnd],
    }
  }

  if (job.saturation) {
    let lastPass: number | null = null
    for (const rate of job.rates) {
      const step = await runStep(rate)
      steps.push(step)
      log(
        `rate ${rate}/s per client: ${Math.round(step.deliveriesPerSec)} deliveries/s, p99 ${step.latency.p99.toFixed(1)} ms, delivered ${(step.deliveredRatio * 100).toFixed(1)}%, server ${(step.serverCpuUtil * 100).toFixed(0)}% cpu, generator ${(step.generatorCpuUtil * 100).toFixed(0)}%${step.pass ? '' : ' FAIL'}`,
      )
      if (!step.pass) {
        if (job.saturation.refine && lastPass !== null) {
          const between = Math.round(Math.sqrt(lastPass * rate) * 10) / 10
          if (between > lastPass && between < rate) {
            const refined = await runStep(between)
            steps.push(refined)
            log(
              `rate ${between}/s per client (refine): ${Math.round(refined.deliveriesPerSec)} deliveries/s, p99 ${refined.latency.p99.toFixed(1)} ms${refined.pass ? '' : ' FAIL'}`,
            )
          }
        }
        break
      }
      lastPass = rate
    }
  } else {
    for (const rate of job.rates) steps.push(await runStep(rate))
  }

  const mems = serverPids.map((pid) => memory(pid))
  const mem = { hwm: mems.reduce((sum, m) => sum + m.hwm, 0), rss: mems.reduce((sum, m) => sum + m.rss, 0) }
  let ioResult: IoResult | undefined
  if (ioBefore && job.measureIoSettleMs !== undefined) {
    const socketBytes = clients.reduce((sum, client) => sum + client.bytesRead, 0)
    await closeAll(clients)
    await sleep(job.measureIoSettleMs)
    const after = io(job.serverPid)
    const wcharDelta = after.wchar - ioBefore.wchar
    const storageBytes = Math.max(0, wcharDelta - socketBytes)
    const writeBytesDelta = after.writeBytes - ioBefore.writeBytes
    ioResult = {
      updateBytes,
      updates,
      wcharDelta,
      socketBytes,
      storageBytes,
      writeBytesDelta,
      amplification: storageBytes / updateBytes,
      blockAmplification: writeBytesDelta / updateBytes,
    }
  }
  const unexpectedCloses = countCloses(clients)
  await closeAll(clients)
  return {
    kind: 'steady',
    clients: clients.length,
    connectMs,
    connectFailures: failures.length,
    steps,
    unexpectedCloses,
    unknownMessages: unknown,
    mergedUpdates: merged,
    serverPeakRssBytes: mem.hwm,
    serverRssBytes: mem.rss,
    io: ioResult,
  }
}

// ---------------------------------------------------------------------------------------------
// presence
// ---------------------------------------------------------------------------------------------

export async function runPresence(job: PresenceJob): Promise<PresenceResult> {
  const random = rng(job.seed)
  const k = job.clientsPerDoc
  const period = 1000 / job.hz
  const moves = Math.ceil(job.windowMs / period) + 1
  interface Caret {
    readonly index: number
    readonly client: SimClient
    readonly clientId: number
    readonly initial: Buffer
    readonly frames: Buffer[]
    readonly sendTimes: Float64Array
    readonly seen: Uint16Array
    readonly lastSeen: Float64Array
    sent: number
  }
  const carets: Caret[] = []
  const byClientId = new Map<number, Caret>()
  let windowStart = Infinity
  let windowEnd = -Infinity
  const deliveries = new SampleBuffer()
  let deliveredInWindow = 0

  const onAwareness = (client: SimClient, buf: Uint8Array, pos: number, _end: number, now: number) => {
    const c = cursor.reset(buf, pos)
    const entries = c.read()
    for (let e = 0; e < entries; e++) {
      const clientId = c.read()
      const clock = c.read()
      c.skipString()
      const caret = byClientId.get(clientId)
      if (!caret || caret.index === client.index) continue
      const seq = clock - 2 // clock 1 is the state announced on joining; moves start at 2
      if (seq < 0 || seq >= caret.sent) continue
      const sent = caret.sendTimes[seq]!
      caret.seen[seq]!++
      if (now > caret.lastSeen[seq]!) caret.lastSeen[seq] = now
      if (sent >= windowStart && sent < windowEnd) {
        deliveries.push(now - sent)
        deliveredInWindow++
      }
    }
  }

  for (let d = 0; d < job.docs; d++) {
    const docName = `${job.docPrefix}-${d}`
    for (let j = 0; j < k; j++) {
      const index = d * k + j
      const clientId = clientIdFor(index)
      const client = new SimClient(index, docUrl(job.baseUrl, docName), docName, job.protocol, { onAwareness })
      const frames: Buffer[] = []
      for (let m = 0; m < moves; m++)
        frames.push(awarenessMessage(client.prefix, awarenessUpdate(clientId, m + 2, caretState(clientId, m + 1))))
      const caret: Caret = {
        index,
        client,
        clientId,
        initial: awarenessMessage(client.prefix, awarenessUpdate(clientId, 1, caretState(clientId, 0))),
        frames,
        sendTimes: new Float64Array(moves),
        seen: new Uint16Array(moves),
        lastSeen: new Float64Array(moves),
        sent: 0,
      }
      carets.push(caret)
      byClientId.set(clientId, caret)
    }
  }
  // Join like the stock client: sync, then announce a presence state.
  const connectStarted = performance.now()
  let failures = 0
  let next = 0
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < carets.length) {
        const caret = carets[next++]!
        try {
          await caret.client.connect()
          caret.client.send(caret.initial)
        } catch {
          failures++
        }
      }
    }),
  )
  const connectMs = performance.now() - connectStarted
  if (failures > carets.length * 0.01) {
    await closeAll(carets.map((c) => c.client))
    throw new Error(`${failures} of ${carets.length} clients failed to connect`)
  }
  await sleep(job.settleMs)

  const phases = carets.map(() => random() * period)
  const order = carets.map((_, i) => i).sort((a, b) => phases[a]! - phases[b]!)
  const meter = new GeneratorMeter()
  const t0 = performance.now() + 50
  windowStart = t0
  windowEnd = t0 + job.windowMs
  const rounds = Math.ceil(job.windowMs / period)
  let cpuAtStart = NaN
  let cpuAtEnd = NaN
  let sysAtStart = NaN
  let sysAtEnd = NaN
  let machineAtStart = NaN
  let machineAtEnd = NaN
  let generator = { cpuUtil: NaN, loopDelayP99Ms: NaN }
  await new Promise<void>((resolve) => {
    let round = 0
    let position = 0
    const tick = () => {
      const now = performance.now()
      if (Number.isNaN(cpuAtStart)) {
        const times = cpuTimes(job.serverPid)
        cpuAtStart = times.user + times.system
        sysAtStart = times.system
        machineAtStart = machineBusySeconds()
        meter.start()
      }
      const elapsed = now - t0
      while (round < rounds) {
        const i = order[position]!
        const at = phases[i]! + round * period
        if (at < job.windowMs) {
          if (at > elapsed) break
          const caret = carets[i]!
          const seq = caret.sent++
          caret.sendTimes[seq] = performance.now()
          caret.client.send(caret.frames[seq]!)
        }
        if (++position === order.length) {
          position = 0
          round++
        }
      }
      if (round >= rounds) {
        const finish = () => {
          const times = cpuTimes(job.serverPid)
          cpuAtEnd = times.user + times.system
          sysAtEnd = times.system
          machineAtEnd = machineBusySeconds()
          generator = meter.stop()
          resolve()
        }
        const wait = windowEnd - performance.now()
        if (wait > 0) setTimeout(finish, wait)
        else finish()
        return
      }
      const nextAt = t0 + phases[order[position]!]! + round * period
      setTimeout(tick, Math.max(0, nextAt - performance.now() - 1))
    }
    setTimeout(tick, Math.max(0, t0 - performance.now()))
  })
  await sleep(job.drainMs)
  const seenByAll = new SampleBuffer()
  let incomplete = 0
  let expected = 0
  let delivered = 0
  let movesSent = 0
  for (const caret of carets) {
    for (let seq = 0; seq < caret.sent; seq++) {
      movesSent++
      expected += k - 1
      delivered += Math.min(k - 1, caret.seen[seq]!)
      if (caret.seen[seq]! >= k - 1) seenByAll.push(caret.lastSeen[seq]! - caret.sendTimes[seq]!)
      else incomplete++
    }
  }
  const serverCpuSec = cpuAtEnd - cpuAtStart
  const windowSec = job.windowMs / 1000
  const mem = memory(job.serverPid)
  const clients = carets.map((c) => c.client)
  const unexpectedCloses = countCloses(clients)
  await closeAll(clients)
  return {
    kind: 'presence',
    clients: carets.length,
    connectMs,
    connectFailures: failures,
    moves: movesSent,
    expected,
    delivered,
    deliveredRatio: expected ? delivered / expected : 0,
    deliveriesPerSec: deliveredInWindow / windowSec,
    delivery: latencySummary(deliveries.values()),
    seenByAll: latencySummary(seenByAll.values()),
    incompleteMoves: incomplete,
    serverCpuSec,
    serverSysSec: sysAtEnd - sysAtStart,
    serverCpuUtil: serverCpuSec / windowSec,
    generatorCpuUtil: generator.cpuUtil,
    generatorLoopDelayP99Ms: generator.loopDelayP99Ms,
    otherCpuUtil: (machineAtEnd - machineAtStart) / windowSec - serverCpuSec / windowSec - generator.cpuUtil,
    generatorBound: generator.cpuUtil >= GENERATOR_BOUND_CPU,
    unexpectedCloses,
    serverPeakRssBytes: mem.hwm,
  }
}

// ---------------------------------------------------------------------------------------------
// seeding a large document, join storm
// ---------------------------------------------------------------------------------------------

/**
 * Connects one client, sends the whole document as one update and waits until the server has
 * taken it: the update comes back (Tandem, the reference server and Hocuspocus all relay to
 * the sender too; the bare relay, which keeps nothing, is not waited for). The client stays
 * connected (Hocuspocus without storage would unload the document otherwise).
 */
async function seed(job: { baseUrl: string; protocol: SimClient['protocol']; docName: string; seedFile: string }) {
  const update = new Uint8Array(fs.readFileSync(job.seedFile))
  let acked: () => void = () => {}
  const ack = new Promise<void>((resolve) => (acked = resolve))
  const client = new SimClient(0, docUrl(job.baseUrl, job.docName), job.docName, job.protocol, {
    onUpdate: (_c, _buf, pos, end) => {
      if (end - pos >= update.length / 2) acked()
    },
  })
  await client.connect()
  const started = performance.now()
  client.send(updateMessage(client.prefix, update))
  if (job.protocol === 'bare') acked()
  await Promise.race([ack, sleep(120_000).then(() => Promise.reject(new Error('seed update never acknowledged')))])
  return { client, bytes: update.length, ackMs: performance.now() - started }
}

export async function runSeed(job: SeedJob): Promise<SeedResult> {
  const { client, bytes, ackMs } = await seed(job)
  await sleep(500)
  await closeAll([client])
  return { kind: 'seed', bytes, ackMs }
}

export async function runJoinStorm(job: JoinStormJob): Promise<JoinStormResult> {
  const seeded = await seed(job)
  await sleep(1_000)
  const before = memory(job.serverPid)
  const peakResetWorked = resetPeak(job.serverPid)
  const cpuBefore = cpuSeconds(job.serverPid)
  const machineBefore = machineBusySeconds()
  const ownBefore = process.cpuUsage()
  // Lean clients: they keep the first bytes of each message and count the rest (see LeanClient).
  const clients: LeanClient[] = []
  for (let i = 0; i < job.clients; i++) {
    clients.push(new LeanClient(i + 1, docUrl(job.baseUrl, job.docName), job.docName, job.protocol))
  }
  // All at once: every socket is opened in the same turn of the event loop.
  const started = performance.now()
  const outcomes = await Promise.allSettled(clients.map((client) => client.connect(job.timeoutMs)))
  const durationMs = performance.now() - started
  const cpuAfter = cpuSeconds(job.serverPid)
  const machineAfter = machineBusySeconds()
  const own = process.cpuUsage(ownBefore)
  const after = memory(job.serverPid)
  const times = new SampleBuffer()
  let minStep2 = Infinity
  let failures = 0
  outcomes.forEach((outcome, i) => {
    const client = clients[i]!
    if (outcome.status === 'fulfilled') {
      times.push(client.syncedAt - client.startedAt)
      minStep2 = Math.min(minStep2, client.step2Bytes)
    } else failures++
  })
  for (const client of clients) client.close()
  await closeAll([seeded.client])
  await sleep(200)
  return {
    kind: 'joinstorm',
    seedBytes: seeded.bytes,
    seedAckMs: seeded.ackMs,
    clients: job.clients,
    synced: latencySummary(times.values()),
    failures,
    minStep2Bytes: Number.isFinite(minStep2) ? minStep2 : 0,
    durationMs,
    rssBeforeBytes: before.rss,
    peakRssBytes: peakResetWorked ? after.hwm : Math.max(after.hwm, after.rss),
    peakResetWorked,
    serverCpuSec: cpuAfter - cpuBefore,
    generatorCpuUtil: (own.user + own.system) / 1e6 / (durationMs / 1000),
    otherCpuUtil: (machineAfter - machineBefore - (cpuAfter - cpuBefore) - (own.user + own.system) / 1e6) / (durationMs / 1000),
  }
}

// ---------------------------------------------------------------------------------------------
// idle connections
// ---------------------------------------------------------------------------------------------

async function settledRss(pid: number, samples: number, gapMs: number): Promise<number> {
  const values: number[] = []
  for (let i = 0; i < samples; i++) {
    values.push(memory(pid).rss)
    if (i < samples - 1) await sleep(gapMs)
  }
  values.sort((a, b) => a - b)
  return values[values.length >> 1]!
}

export async function runIdle(job: IdleJob): Promise<IdleResult> {
  const baseline = await settledRss(job.serverPid, 5, 200)
  const clients: SimClient[] = []
  for (let d = 0; d < job.docs; d++) {
    const docName = `${job.docPrefix}-${d}`
    for (let j = 0; j < job.clientsPerDoc; j++) {
      clients.push(new SimClient(d * job.clientsPerDoc + j, docUrl(job.baseUrl, docName), docName, job.protocol, {}))
    }
  }
  const started = performance.now()
  const failures = await connectAll(clients, job.concurrency)
  const connectMs = performance.now() - started
  await sleep(job.settleMs)
  const loaded = await settledRss(job.serverPid, 5, 400)
  const connected = clients.length - failures.length
  const stillOpen = clients.filter((c) => c.synced && !c.closed).length
  const peak = memory(job.serverPid).hwm
  await closeAll(clients, 10_000)
  return {
    kind: 'idle',
    connections: connected,
    failures: failures.length,
    connectMs,
    rssBaselineBytes: baseline,
    rssLoadedBytes: loaded,
    perConnectionBytes: connected > 0 ? (loaded - baseline) / connected : NaN,
    peakRssBytes: peak,
    stillOpen,
  }
}

// ---------------------------------------------------------------------------------------------
// cold load: write a long history through the server, then time a new client after a restart
// ---------------------------------------------------------------------------------------------

export async function runColdWrite(job: ColdWriteJob): Promise<ColdWriteResult> {
  const started = performance.now()
  let updateBytes = 0
  const writers = Array.from({ length: job.writers }, (_, w) => {
    let echoed = 0
    let wake: () => void = () => {}
    const client = new SimClient(w, docUrl(job.baseUrl, job.docName), job.docName, job.protocol, {
      onUpdate: (_c, buf, pos) => {
        const c = cursor.reset(buf, pos)
        if (c.read() === 0) return
        c.read()
        if (c.read() === clientIdFor(w)) {
          echoed++
          wake()
        }
      },
    })
    const typist = new Typist(clientIdFor(w), client.prefix, job.chunk)
    typist.generate(job.updatesPerWriter)
    for (const bytes of typist.updateBytes) updateBytes += bytes
    const run = async () => {
      await client.connect()
      let sent = 0
      while (sent < job.updatesPerWriter) {
        while (sent < job.updatesPerWriter && sent - echoed < job.window) client.send(typist.frames[sent++]!)
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, 1_000)
        })
        if (client.closed) throw new Error(`writer ${w} closed (${client.closeCode})`)
      }
      const deadline = performance.now() + 60_000
      while (echoed < job.updatesPerWriter && performance.now() < deadline) await sleep(20)
      if (echoed < job.updatesPerWriter) throw new Error(`writer ${w}: ${echoed}/${job.updatesPerWriter} updates acknowledged`)
    }
    return { client, run }
  })
  await Promise.all(writers.map((w) => w.run()))
  const durationMs = performance.now() - started
  await sleep(500)
  await closeAll(writers.map((w) => w.client))
  return {
    kind: 'coldwrite',
    updates: job.writers * job.updatesPerWriter,
    expectedLength: job.writers * job.updatesPerWriter * job.chunk,
    durationMs,
    updateBytes,
  }
}

export async function runColdRead(job: ColdReadJob): Promise<ColdReadResult> {
  // The clock stops at the arrival of the message that completes the document (the ws
  // 'message' event, before this client applies it), so applying here costs the measurement
  // nothing: only the server's work and the transfer count.
  const doc = new Y.Doc()
  const text = doc.getText('t')
  let firstStep2 = NaN
  let completedAt = NaN
  let complete: () => void = () => {}
  const done = new Promise<void>((resolve) => (complete = resolve))
  const apply = (buf: Uint8Array, pos: number, end: number, arrivedAt: number) => {
    if (!Number.isNaN(completedAt)) return
    Y.applyUpdate(doc, buf.subarray(pos, end))
    if (text.length >= job.expectedLength) {
      completedAt = arrivedAt
      complete()
    }
  }
  const client = new SimClient(0, docUrl(job.baseUrl, job.docName), job.docName, job.protocol, {
    onSyncStep2: (c, buf, pos, end, now) => {
      if (Number.isNaN(firstStep2)) firstStep2 = now - c.startedAt
      apply(buf, pos, end, now)
    },
    onUpdate: (_c, buf, pos, end, now) => apply(buf, pos, end, now),
  })
  await client.connect(job.timeoutMs)
  const finished = await Promise.race([done.then(() => true), sleep(job.timeoutMs).then(() => false)])
  await closeAll([client])
  return {
    kind: 'coldread',
    syncedMs: finished ? completedAt - client.startedAt : NaN,
    firstStep2Ms: firstStep2,
    step2Bytes: client.step2Bytes,
    length: text.length,
    complete: finished,
  }
}

let log: (message: string) => void = () => {}
export function setLogger(logger: (message: string) => void): void {
  log = logger
}
