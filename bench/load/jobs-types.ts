import type { LatencySummary } from '../lib/stats'
import type { Protocol } from '../targets/spawn'

/** What the harness asks a load-generator process to do (sent over IPC), and what it returns. */

export interface JobBase {
  /** `ws://127.0.0.1:<port>` */
  readonly baseUrl: string
  readonly protocol: Protocol
  /** The server's PID, for /proc readings at the exact window boundaries. */
  readonly serverPid: number
  readonly seed: number
}

export interface SaturationCriteria {
  readonly maxP99Ms: number
  readonly minDeliveredRatio: number
  /** After the first failing rate, try once between it and the last passing one. */
  readonly refine: boolean
}

/** Fan-out, saturation and durability: docs × clients typing at a rate per step. */
export interface SteadyJob extends JobBase {
  readonly kind: 'steady'
  readonly docs: number
  readonly clientsPerDoc: number
  readonly docPrefix: string
  /** Updates per second per client, one step per entry (fan-out has one). */
  readonly rates: readonly number[]
  readonly warmupMs: number
  readonly windowMs: number
  /** Quiet time after each window for late deliveries to arrive. */
  readonly drainMs: number
  readonly chunk: number
  readonly saturation?: SaturationCriteria
  /** Measure bytes written to storage (durability); the clients close and the server settles for this long. */
  readonly measureIoSettleMs?: number
  /**
   * Several servers (a cluster): client i of the run connects to `baseUrls[i % n]` instead of
   * baseUrl, so the clients of every document are spread round-robin over them; deliveries
   * between clients of different servers are counted apart (StepResult.cross).
   */
  readonly baseUrls?: readonly string[]
  /** Every server process: serverCpuSec is their sum, peak RSS the sum of their peaks (default [serverPid]). */
  readonly serverPids?: readonly number[]
  /** Other processes whose CPU over each window is reported apart (StepResult.watchedCpuSec). */
  readonly watch?: readonly CpuWatch[]
}

/** A group of processes to measure: fixed PIDs (Redis) or every process with a command name (`postgres`). */
export interface CpuWatch {
  readonly name: string
  readonly pids?: readonly number[]
  readonly comm?: string
}

/** Deliveries between clients connected to different servers (SteadyJob.baseUrls). */
export interface CrossDeliveries {
  readonly expected: number
  readonly delivered: number
  readonly latency: LatencySummary
  /** Deliveries between clients of the same server, for comparison. */
  readonly local: LatencySummary
}

export interface StepResult {
  readonly rate: number
  readonly offeredDeliveriesPerSec: number
  readonly sendsInWindow: number
  readonly achievedSendRatio: number
  readonly expected: number
  readonly delivered: number
  readonly deliveredRatio: number
  readonly deliveriesPerSec: number
  readonly duplicates: number
  readonly latency: LatencySummary
  /** Sender's own update coming back (Tandem, the reference server and Hocuspocus echo; the bare relay does not). */
  readonly echo: LatencySummary | null
  readonly serverCpuSec: number
  /** The part of serverCpuSec spent in the kernel (system time: mostly socket reads and writes, fsync). */
  readonly serverSysSec: number
  readonly serverCpuUtil: number
  readonly generatorCpuUtil: number
  readonly generatorLoopDelayP99Ms: number
  /** CPU used by everything else on the machine during the window (other processes), in cores. */
  readonly otherCpuUtil: number
  readonly sendLatenessP99Ms: number
  readonly generatorBound: boolean
  readonly pass: boolean
  /** SteadyJob.watch: CPU seconds of each watched group over the window. */
  readonly watchedCpuSec?: Record<string, number>
  /** SteadyJob.baseUrls with more than one server. */
  readonly cross?: CrossDeliveries
  /** The window on CLOCK_MONOTONIC in µs (the clock of V8 CPU profiles), to cut a server profile to it. */
  readonly windowMonotonicUs: readonly [number, number]
}

export interface IoResult {
  readonly updateBytes: number
  readonly updates: number
  readonly wcharDelta: number
  readonly socketBytes: number
  /** wchar − socket bytes: what went to files through write()/pwrite(). */
  readonly storageBytes: number
  readonly writeBytesDelta: number
  readonly amplification: number
  readonly blockAmplification: number
}

export interface SteadyResult {
  readonly kind: 'steady'
  readonly clients: number
  readonly connectMs: number
  readonly connectFailures: number
  readonly steps: StepResult[]
  readonly unexpectedCloses: Record<string, number>
  readonly unknownMessages: number
  readonly mergedUpdates: number
  readonly serverPeakRssBytes: number
  readonly serverRssBytes: number
  readonly io?: IoResult
}

export interface PresenceJob extends JobBase {
  readonly kind: 'presence'
  readonly docs: number
  readonly clientsPerDoc: number
  readonly docPrefix: string
  readonly hz: number
  readonly settleMs: number
  readonly windowMs: number
  readonly drainMs: number
}

export interface PresenceResult {
  readonly kind: 'presence'
  readonly clients: number
  readonly connectMs: number
  readonly connectFailures: number
  readonly moves: number
  readonly expected: number
  readonly delivered: number
  readonly deliveredRatio: number
  readonly deliveriesPerSec: number
  readonly delivery: LatencySummary
  /** Per caret move: time until the last of the other clients in the document received it. */
  readonly seenByAll: LatencySummary
  readonly incompleteMoves: number
  readonly serverCpuSec: number
  /** The part of serverCpuSec spent in the kernel. */
  readonly serverSysSec: number
  readonly serverCpuUtil: number
  readonly generatorCpuUtil: number
  readonly generatorLoopDelayP99Ms: number
  readonly otherCpuUtil: number
  readonly generatorBound: boolean
  readonly unexpectedCloses: Record<string, number>
  readonly serverPeakRssBytes: number
}

export interface JoinStormJob extends JobBase {
  readonly kind: 'joinstorm'
  readonly docName: string
  readonly seedFile: string
  readonly clients: number
  readonly timeoutMs: number
}

export interface JoinStormResult {
  readonly kind: 'joinstorm'
  readonly seedBytes: number
  readonly seedAckMs: number
  readonly clients: number
  readonly synced: LatencySummary
  readonly failures: number
  readonly minStep2Bytes: number
  readonly durationMs: number
  readonly rssBeforeBytes: number
  readonly peakRssBytes: number
  readonly peakResetWorked: boolean
  readonly serverCpuSec: number
  readonly generatorCpuUtil: number
  readonly otherCpuUtil: number
}

export interface IdleJob extends JobBase {
  readonly kind: 'idle'
  readonly docs: number
  readonly clientsPerDoc: number
  readonly docPrefix: string
  readonly concurrency: number
  readonly settleMs: number
}

export interface IdleResult {
  readonly kind: 'idle'
  readonly connections: number
  readonly failures: number
  readonly connectMs: number
  readonly rssBaselineBytes: number
  readonly rssLoadedBytes: number
  readonly perConnectionBytes: number
  readonly peakRssBytes: number
  readonly stillOpen: number
}

export interface SeedJob extends JobBase {
  readonly kind: 'seed'
  readonly docName: string
  readonly seedFile: string
}

export interface SeedResult {
  readonly kind: 'seed'
  readonly bytes: number
  readonly ackMs: number
}

export interface ColdWriteJob extends JobBase {
  readonly kind: 'coldwrite'
  readonly docName: string
  readonly writers: number
  readonly updatesPerWriter: number
  readonly chunk: number
  /** Updates a writer may have sent and not yet seen echoed. */
  readonly window: number
}

export interface ColdWriteResult {
  readonly kind: 'coldwrite'
  readonly updates: number
  readonly expectedLength: number
  readonly durationMs: number
  readonly updateBytes: number
}

export interface ColdReadJob extends JobBase {
  readonly kind: 'coldread'
  readonly docName: string
  readonly expectedLength: number
  readonly timeoutMs: number
}

export interface ColdReadResult {
  readonly kind: 'coldread'
  /** From opening the socket until the client's Y.Doc holds the whole text. */
  readonly syncedMs: number
  readonly firstStep2Ms: number
  readonly step2Bytes: number
  readonly length: number
  readonly complete: boolean
}

export type Job = SteadyJob | PresenceJob | JoinStormJob | IdleJob | SeedJob | ColdWriteJob | ColdReadJob
export type JobResult = SteadyResult | PresenceResult | JoinStormResult | IdleResult | SeedResult | ColdWriteResult | ColdReadResult

export type GeneratorMessage =
  | { readonly type: 'result'; readonly result: JobResult }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'log'; readonly message: string }
