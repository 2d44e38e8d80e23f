import fs from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'
import { updateMessage } from './wire'

/** Deterministic PRNG (mulberry32): the same seed gives the same documents and phases. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

/** Client ids of simulated users: distinct, and far from anything Yjs would pick at random. */
export const clientIdFor = (index: number) => 1_000_000 + index

/**
 * A simulated typist: its own Y.Doc (clientID fixed) appending `chunk` characters per update
 * to the shared Y.Text "t". Updates are produced ahead of time, outside any timed window, and
 * kept framed for the wire, so sending is one ws.send of prepared bytes. Update number `seq`
 * is the struct with clock `seq * chunk`: that is how receivers identify it (client + clock
 * from the update header) without applying it.
 */
export class Typist {
  readonly doc: Y.Doc
  readonly text: Y.Text
  /** Framed messages by sequence number (dropped once sent, see `release`). */
  readonly frames: Array<Buffer | undefined> = []
  /** Raw Yjs update size by sequence number (for write amplification). */
  readonly updateBytes: number[] = []
  private pending: Uint8Array | null = null

  constructor(
    readonly clientId: number,
    readonly prefix: Uint8Array,
    readonly chunk = 4,
  ) {
    this.doc = new Y.Doc()
    this.doc.clientID = clientId
    this.text = this.doc.getText('t')
    this.doc.on('update', (update: Uint8Array) => {
      this.pending = update
    })
  }

  get generated(): number {
    return this.frames.length
  }

  /** Makes sure updates 0 … count-1 exist. */
  generate(count: number): void {
    while (this.frames.length < count) {
      const seq = this.frames.length
      const start = (seq * 7) % (LETTERS.length - this.chunk)
      this.pending = null
      this.text.insert(this.text.length, LETTERS.slice(start, start + this.chunk))
      const update = this.pending as Uint8Array | null
      if (!update) throw new Error('Yjs produced no update')
      this.frames.push(updateMessage(this.prefix, update))
      this.updateBytes.push(update.length)
    }
  }

  release(upTo: number): void {
    for (let i = 0; i < upTo && i < this.frames.length; i++) this.frames[i] = undefined
  }
}

/**
 * A document of about `targetBytes` of text written by 20 authors: paragraphs of 40–160
 * characters inserted at random places, with a deletion every tenth step (so it carries a
 * delete set and tombstones, like a document that has lived). Returned as one Yjs update
 * (Y.encodeStateAsUpdate), cached under bench/out/fixtures.
 */
export function buildDocument(targetBytes: number, seed: number, cacheDir: string): Uint8Array {
  const file = path.join(cacheDir, `doc-${targetBytes}-${seed}.bin`)
  if (fs.existsSync(file)) return new Uint8Array(fs.readFileSync(file))
  const random = rng(seed)
  const doc = new Y.Doc()
  const text = doc.getText('t')
  let step = 0
  while (text.length < targetBytes) {
    doc.clientID = clientIdFor(900_000 + (step % 20))
    if (step % 10 === 9 && text.length > 100) {
      const at = Math.floor(random() * (text.length - 20))
      text.delete(at, 1 + Math.floor(random() * 20))
    } else {
      const length = 40 + Math.floor(random() * 120)
      let paragraph = ''
      while (paragraph.length < length)
        paragraph += `${LETTERS[Math.floor(random() * LETTERS.length)]!.repeat(1 + Math.floor(random() * 8))} `
      text.insert(Math.floor(random() * (text.length + 1)), paragraph)
    }
    step++
  }
  const update = Y.encodeStateAsUpdate(doc)
  fs.mkdirSync(cacheDir, { recursive: true })
  fs.writeFileSync(file, update)
  return update
}

/** A caret position in the shape y-prosemirror puts in awareness (relative positions). */
export function caretState(clientId: number, move: number): string {
  const position = (n: number) => ({ type: { client: 1, clock: 0 }, tname: null, item: { client: clientId, clock: n }, assoc: 0 })
  return JSON.stringify({
    user: { name: `User ${clientId % 100_000}`, color: `#${((clientId * 2654435761) >>> 8).toString(16).padStart(6, '0').slice(0, 6)}` },
    cursor: { anchor: position(move * 3), head: position(move * 3 + (move % 4)) },
  })
}
