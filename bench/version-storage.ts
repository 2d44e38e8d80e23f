/**
 * What version history costs in storage: a ~1 MB document edited for one hour (simulated on a
 * driven clock) with the default automatic-version interval and thinning, against a real server
 * (SQLite, real WebSockets, a stock y-websocket client). Prints bytes per version and in total,
 * and what thinning keeps of a document edited eight hours a day for a month.
 *
 *   node --import tsx bench/version-storage.ts
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CONTENT_FIELD } from '../lib/protocol'
import { parseConfig } from '../server/config'
import { createTandemServer } from '../server/create-server'
import type { Cancel, Scheduler } from '../server/scheduler'
import { versionsToThin } from '../server/versions/thinning'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** One edit every this many simulated ms (a sentence typed every 10 s). */
const EDIT_EVERY_MS = 10_000
const TARGET_BYTES = 1024 * 1024

/** A clock that moves only when told to; later turns stay the event loop's. */
class DrivenClock implements Scheduler {
  private time = 0
  private readonly timers = new Set<{ at: number; task: () => void }>()
  now(): number {
    return this.time
  }
  defer(task: () => void): void {
    setImmediate(task)
  }
  delay(ms: number, task: () => void): Cancel {
    const timer = { at: this.time + ms, task }
    this.timers.add(timer)
    return () => void this.timers.delete(timer)
  }
  advance(ms: number): void {
    const until = this.time + ms
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers.delete(due)
      this.time = due.at
      due.task()
    }
    this.time = until
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Prose-like text from a seeded generator: words of one to three syllables drawn from a few
 * hundred, sentences of 8–20 words. Deflate shrinks it about as much as English prose (2–3×); a
 * sentence repeated from a dozen fixed words would flatter the compressed versions 30-fold.
 */
const SYLLABLES = 'ka to ren mi sa lo ve dan pi tur es om bra gle nor fi que ta ly ox ber cal hin jo mu net pre sti ul wa'.split(' ')
let seed = 0x2545f491
function random(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 0x1_0000_0000
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
const VOCABULARY = Array.from({ length: 600 }, () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join(''))
function sentence(): string {
  const words = Array.from({ length: 8 + Math.floor(random() * 13) }, () => pick(VOCABULARY))
  const text = words.join(' ')
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}. `
}

function addParagraph(doc: Y.Doc, text: string): void {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  const content = doc.getXmlFragment(CONTENT_FIELD)
  content.insert(content.length, [paragraph])
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-versions-'))
  const clock = new DrivenClock()
  const base = Date.UTC(2026, 0, 5, 9)
  const config = parseConfig([], {
    PORT: '0',
    TANDEM_HOST: '127.0.0.1',
    TANDEM_DATA_DIR: dataDir,
    TANDEM_LOG_LEVEL: 'silent',
    TANDEM_DRAIN_SPREAD_MS: '0',
    // The clock jumps while the client idles between edits: no heartbeat in the hour.
    TANDEM_HEARTBEAT_MS: String(DAY),
  })
  const server = await createTandemServer(config, { scheduler: clock, now: () => base + clock.now() })
  const { port } = await server.listen()
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}`, 'big', doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  })
  try {
    await until(() => provider.synced, 'the client to sync')
    // ~1 MB of text in paragraphs of about 500 characters, typed in one go.
    doc.transact(() => {
      let bytes = 0
      while (bytes < TARGET_BYTES) {
        let text = ''
        while (text.length < 500) text += sentence()
        addParagraph(doc, text)
        bytes += text.length
      }
    })
    // Everything the client has is in the server's document and nothing is waiting to be stored.
    const stored = () => {
      const room = server.rooms.loadedRoom('big')
      return room !== undefined && room.pending === 0 && Buffer.from(Y.encodeStateVector(room.doc)).equals(Y.encodeStateVector(doc))
    }
    await until(stored, 'the document to be stored')
    const startBytes = Y.encodeStateAsUpdate(doc).length
    const fileBefore = fs.statSync(path.join(dataDir, 'tandem.db')).size

    // One hour: a sentence every 10 s into one of the paragraphs, each stored before time moves on.
    const content = doc.getXmlFragment(CONTENT_FIELD)
    let edits = 0
    for (let t = 0; t < HOUR; t += EDIT_EVERY_MS) {
      const paragraph = content.get((edits * 37) % content.length) as Y.XmlElement
      const text = paragraph.get(0) as Y.XmlText
      text.insert(text.length, sentence())
      edits++
      await until(stored, 'the edit to be stored')
      clock.advance(EDIT_EVERY_MS)
    }
    // The version due at the hour's end was started by the last advance; it is saved meanwhile.
    await until(async () => (await server.storage.listVersions('big')).length >= 6, 'six versions')
    const versions = await server.storage.listVersions('big')
    const total = versions.reduce((sum, v) => sum + v.size, 0)
    const endBytes = Y.encodeStateAsUpdate(doc).length
    const fileAfter = fs.statSync(path.join(dataDir, 'tandem.db')).size

    console.log(`document: ${mib(startBytes)} at the start, ${mib(endBytes)} after ${edits} edits in one simulated hour`)
    console.log(`automatic versions (interval 10 min): ${versions.length}`)
    for (const v of [...versions].reverse()) {
      console.log(`  ${new Date(v.createdAt).toISOString().slice(11, 19)}  ${kib(v.size)}`)
    }
    console.log(`bytes per version: ${kib(total / versions.length)} on average; total ${mib(total)}`)
    console.log(`SQLite file: ${mib(fileBefore)} before the hour, ${mib(fileAfter)} after (WAL not counted)`)

    // What thinning keeps of a month of such editing, eight hours a day (timestamps only).
    let kept: Array<{ id: string; createdAt: number; automatic: boolean; name: null }> = []
    const start = Date.UTC(2026, 0, 1)
    let n = 0
    for (let day = 0; day < 30; day++) {
      for (let minute = 10; minute <= 8 * 60; minute += 10) {
        const createdAt = start + day * DAY + 9 * HOUR + minute * MINUTE
        kept.push({ id: `v${n++}`, createdAt, automatic: true, name: null })
        const doomed = new Set(versionsToThin(kept, createdAt))
        kept = kept.filter((v) => !doomed.has(v.id))
      }
    }
    const perVersion = total / versions.length
    console.log(
      `thinning, 8 h of editing a day for 30 days: ${n} versions taken, ${kept.length} kept ≈ ${mib(kept.length * perVersion)} at ${kib(perVersion)} each`,
    )
  } finally {
    provider.destroy()
    doc.destroy()
    // The shutdown's timers (drain, close grace) run on the driven clock too.
    let closed = false
    const closing = server.close().finally(() => {
      closed = true
    })
    while (!closed) {
      clock.advance(50)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await closing
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
