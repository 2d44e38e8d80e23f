/**
 * A child program for the SQLite journal crash test (tests/integration/journal-crash.test.ts):
 * appends numbered updates to four documents through SqliteStorage, with the journal folded
 * every few rows, and prints `acked <n>` once each batch's append resolved — an acknowledgement
 * the parent may rely on. It runs until killed.
 *
 * Usage: node --import tsx journal-writer.ts <dataDir> <first number>
 */
import { SqliteStorage } from '../../server/storage/sqlite'

const [dataDir, firstArg] = process.argv.slice(2)
if (!dataDir || firstArg === undefined) throw new Error('usage: journal-writer.ts <dataDir> <first number>')
const storage = new SqliteStorage({ dataDir, foldAfterRows: 7 })
let next = Number(firstArg)
process.stdout.write('ready\n')
for (;;) {
  // Three updates a batch, spread over the documents, so batches and folds straddle each other.
  const batch = [0, 1, 2].map(() => {
    const n = next++
    return { docId: `doc-${n % 4}`, update: encode(n) }
  })
  await storage.append(batch, Date.now())
  process.stdout.write(`acked ${next - 1}\n`)
  // A turn for the fold the append may have scheduled.
  await new Promise((resolve) => setImmediate(resolve))
}

function encode(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])
}
