import { Redis } from 'ioredis'
import type { Log } from '../rooms/log'

/** What the cluster needs from Redis: pub/sub of bytes and short-lived keys. */
export interface ClusterBus {
  /** Both connections are up (messages flow both ways). */
  readonly isUp: boolean
  /** Resolves once subscribed; while Redis is down it resolves at once (subscribed on return). */
  subscribe(channel: string): Promise<void>
  unsubscribe(channel: string): void
  /** Best effort: a message published while Redis is down is dropped (storage is the record). */
  publish(channel: string, message: Uint8Array): void
  /** Sets `key` with a time to live; false when Redis did not take it. */
  setExpiring(key: string, ttlMs: number): Promise<boolean>
  /** Which of `keys` exist; null while Redis is down. */
  existing(keys: readonly string[]): Promise<boolean[] | null>
  deleteKey(key: string): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}

export interface BusEvents {
  onMessage(channel: string, message: Uint8Array): void
  /** Redis came back after being unreachable: messages may have been missed meanwhile. */
  onReconnected(): void
}

/** Redis is tried again this often at most while it is down, so its return is seen within a second. */
const MAX_RECONNECT_DELAY_MS = 1_000

/**
 * The bus on ioredis: one connection for commands and publishing, one in subscriber mode.
 * Publishing never queues while Redis is down (that would replay stale messages later and
 * grow without bound); subscriptions are restored by ioredis when it reconnects.
 */
export class RedisBus implements ClusterBus {
  private readonly commands: Redis
  private readonly subscriber: Redis
  private wasDown = false
  private closed = false

  constructor(
    url: string,
    private readonly events: BusEvents,
    private readonly logger: Log,
  ) {
    const retryStrategy = (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS)
    // Auto-pipelining: every publish of one event-loop turn (a group commit's updates) goes out
    // in one socket write instead of one each.
    this.commands = new Redis(url, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      retryStrategy,
      lazyConnect: true,
    })
    this.subscriber = new Redis(url, { retryStrategy, lazyConnect: true, autoResubscribe: true })
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      this.events.onMessage(channel.toString(), new Uint8Array(message.buffer, message.byteOffset, message.byteLength))
    })
    for (const connection of [this.commands, this.subscriber]) {
      connection.on('error', (err: Error) => {
        if (!this.wasDown) this.logger.warn({ err: err.message }, 'Redis unreachable: cross-server relay paused, catching up from storage')
        this.wasDown = true
      })
      connection.on('close', () => {
        if (!this.closed) this.wasDown = true
      })
      connection.on('ready', () => {
        if (!this.isUp || !this.wasDown) return
        this.wasDown = false
        this.logger.info({}, 'Redis reachable again: catching up')
        this.events.onReconnected()
      })
    }
  }

  /** Connects both connections; rejects (with the reason) when Redis does not answer. */
  async connect(): Promise<void> {
    await Promise.all([this.commands.connect(), this.subscriber.connect()])
  }

  get isUp(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready'
  }

  async subscribe(channel: string): Promise<void> {
    const subscribed = this.subscriber.subscribe(channel)
    if (this.subscriber.status !== 'ready') {
      subscribed.catch(() => {})
      return
    }
    await subscribed
  }

  unsubscribe(channel: string): void {
    this.subscriber.unsubscribe(channel).catch(() => {})
  }

  publish(channel: string, message: Uint8Array): void {
    if (this.commands.status !== 'ready') return
    this.commands.publish(channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength)).catch(() => {})
  }

  async setExpiring(key: string, ttlMs: number): Promise<boolean> {
    if (this.commands.status !== 'ready') return false
    try {
      await this.commands.set(key, '1', 'PX', ttlMs)
      return true
    } catch {
      return false
    }
  }

  async existing(keys: readonly string[]): Promise<boolean[] | null> {
    if (keys.length === 0) return []
    if (this.commands.status !== 'ready') return null
    try {
      const pipeline = this.commands.pipeline()
      for (const key of keys) pipeline.exists(key)
      const results = await pipeline.exec()
      if (!results) return null
      return results.map(([err, count]) => err === null && count === 1)
    } catch {
      return null
    }
  }

  async deleteKey(key: string): Promise<void> {
    if (this.commands.status !== 'ready') return
    await this.commands.del(key).catch(() => {})
  }

  async ping(): Promise<void> {
    if (!this.isUp) throw new Error('Redis unreachable')
    await this.commands.ping()
  }

  async close(): Promise<void> {
    this.closed = true
    this.commands.disconnect()
    this.subscriber.disconnect()
  }
}
