import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteStorage } from '../../server/storage/sqlite'
import { createRng } from '../helpers/seeded-random'
import { makeTempDir, removeDir } from '../helpers/temp-dir'

/**
 * D16 under SIGKILL: a process appends through the SQLite journal, folded into the per-document
 * logs every 7 rows, and is killed at seeded moments, mid-append or mid-fold as it happens.
 * After each kill every acknowledged update is stored, and each document's log is a gap-free
 * run of its numbers in append order (a batch is all or nothing; nothing is duplicated by a
 * fold that was cut short).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const tsxLoader = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')
const writer = path.join(root, 'tests', 'helpers', 'journal-writer.ts')
const SEED = Number(process.env.TANDEM_CRASH_SEED ?? 1_606_016)

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir)
})

function decode(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
}

/** Runs the writer until it has acknowledged at least `acks` batches plus a seeded delay, then SIGKILLs it. */
async function runAndKill(dataDir: string, first: number, acks: number, extraMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', tsxLoader, writer, dataDir, String(first)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let lastAcked = first - 1
  let seen = 0
  let errors = ''
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(String(signal ?? code))))
  await new Promise<void>((resolve, reject) => {
    let buffered = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const match = /^acked (\d+)$/.exec(line)
        if (!match) continue
        lastAcked = Number(match[1])
        if (++seen === acks) setTimeout(resolve, extraMs)
      }
    })
    void exited.then((how) => reject(new Error(`the writer exited (${how}) before it was killed: ${errors}`)))
  })
  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')
  // Only what was acknowledged before the kill counts; later lines may still be in the pipe.
  return lastAcked
}

describe('SQLite journal under SIGKILL', () => {
  it(`[D16][S2] kills at seeded moments, mid-append or mid-fold, lose no acknowledged update and leave every log gap-free and in order (seed ${SEED})`, async () => {
    const rng = createRng(SEED)
    const dataDir = makeTempDir()
    dirs.push(dataDir)
    let next = 0
    for (let round = 0; round < 5; round++) {
      const acked = await runAndKill(dataDir, next, rng.between(5, 60), rng.between(0, 20))
      // Opened for writing, as the next server would: it recovers the WAL the killed process left.
      const storage = new SqliteStorage({ dataDir })
      let stored = 0
      const counts: number[] = []
      try {
        for (let doc = 0; doc < 4; doc++) {
          const numbers = (await storage.load(`doc-${doc}`)).updates.map(decode)
          // Every number of this document from 0 up to the last stored, in order, once.
          const expected = Array.from({ length: numbers.length }, (_, i) => doc + 4 * i)
          expect(numbers, `round ${round}, doc-${doc}`).toEqual(expected)
          stored += numbers.length
          counts.push(numbers.length)
        }
      } finally {
        await storage.close()
      }
      // Whole batches of three, all of a batch or none of it: the numbers 0 … stored-1 exactly.
      expect(stored % 3).toBe(0)
      for (let doc = 0; doc < 4; doc++) expect(counts[doc]).toBe(Math.max(0, Math.ceil((stored - doc) / 4)))
      expect(stored - 1, `round ${round}: acknowledged up to ${acked}`).toBeGreaterThanOrEqual(acked)
      next = stored
    }
  }, 300_000)
})
