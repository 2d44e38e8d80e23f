import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { CloseCode, writeUpdate } from '../../lib/protocol'
import { serverRoundTrip } from '../helpers/barrier'
import { connectSynced, type TestClient } from '../helpers/clients'
import { openRaw, upgradeStatus } from '../helpers/raw-socket'
import { type RunningServer, startServer } from '../helpers/server'
import { removeDir } from '../helpers/temp-dir'
import { waitFor } from '../helpers/wait'

/**
 * Abuse through real sockets: each bad frame must close only its own connection with the
 * named code, apply and store nothing, and leave the server serving correct clients.
 */
const DOC = 'target'
const MAX_MESSAGE_BYTES = 4096
let running: RunningServer
let bystander: TestClient

beforeAll(async () => {
  running = await startServer({ maxMessageBytes: String(MAX_MESSAGE_BYTES) })
  bystander = await connectSynced(running.wsUrl, DOC)
  bystander.doc.getText('t').insert(0, 'intact')
})

afterAll(async () => {
  bystander.destroy()
  await running.stop()
  removeDir(running.dataDir)
})

/** The stored text of the document, read through a brand-new stock client. */
async function storedText(): Promise<string> {
  const fresh = await connectSynced(running.wsUrl, DOC)
  const text = fresh.doc.getText('t').toString()
  fresh.destroy()
  return text
}

/** After any bad frame: the bystander is still connected and still gets edits; a new client syncs. */
async function expectServerStillServes(): Promise<void> {
  expect(bystander.provider.wsconnected).toBe(true)
  const probe = await connectSynced(running.wsUrl, DOC)
  const marker = `probe-${Math.random().toString(36).slice(2, 8)}`
  probe.doc.getMap('probes').set(marker, true)
  await waitFor(() => bystander.doc.getMap('probes').get(marker) === true, 'bystander receives the probe edit')
  probe.destroy()
}

async function sendAndExpectClose(frame: Uint8Array | string, code: number): Promise<void> {
  const raw = await openRaw(`${running.wsUrl}/collab/${DOC}`)
  raw.send(frame)
  const closed = await raw.closed
  expect(closed.code).toBe(code)
}

function editUpdate(): Uint8Array {
  const doc = new Y.Doc()
  const text = doc.getText('t')
  text.insert(0, 'INJECTED-abcdef')
  text.delete(2, 4)
  return Y.encodeStateAsUpdate(doc)
}

describe('bad input closes only the offender', () => {
  it('[P6][P9] garbage frames close with 4400 (MalformedMessage)', async () => {
    await sendAndExpectClose(new Uint8Array([0x00, 0x02, 0xff, 0xff, 0xff, 0x7f, 0x01]), CloseCode.MalformedMessage.code)
    await sendAndExpectClose(new Uint8Array([0x01, 0x05, 0x01]), CloseCode.MalformedMessage.code)
    await sendAndExpectClose(new Uint8Array([0x00, 0x02, 0x01, 0xaa, 0xbb, 0xcc]), CloseCode.MalformedMessage.code)
    await expectServerStillServes()
  })

  it('[P6] truncated varints close with 4400', async () => {
    await sendAndExpectClose(new Uint8Array([0x80]), CloseCode.MalformedMessage.code)
    await sendAndExpectClose(new Uint8Array([0x00, 0x02, 0x80]), CloseCode.MalformedMessage.code)
    await sendAndExpectClose(new Uint8Array([0x00, 0x00, 0x03, 0x01, 0x85]), CloseCode.MalformedMessage.code)
    await expectServerStillServes()
  })

  it('[P7] unknown message types close with 4415 (UnknownMessageType)', async () => {
    await sendAndExpectClose(new Uint8Array([0x09]), CloseCode.UnknownMessageType.code)
    await sendAndExpectClose(new Uint8Array([0x00, 0x07, 0x00]), CloseCode.UnknownMessageType.code)
    await expectServerStillServes()
  })

  it('[D1] a malformed Yjs update closes with 4422 and nothing is applied or stored', async () => {
    const garbage = new Uint8Array([0x05, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06])
    await sendAndExpectClose(writeUpdate(garbage), CloseCode.InvalidUpdate.code)
    await expectServerStillServes()
    expect(await storedText()).toBe('intact')
  })

  it('[D1] a truncated Yjs update is rejected whole: no valid prefix of it is applied', async () => {
    const update = editUpdate()
    const truncated = update.slice(0, update.length - 1)
    // Why this matters: plain Y.applyUpdate integrates the structs before it fails on the
    // missing delete set, leaving part of the update in the document.
    const naive = new Y.Doc()
    expect(() => Y.applyUpdate(naive, truncated)).toThrow()
    expect(naive.getText('t').toString()).toContain('IN')
    await sendAndExpectClose(writeUpdate(truncated), CloseCode.InvalidUpdate.code)
    await serverRoundTrip(bystander)
    expect(bystander.doc.getText('t').toString()).toBe('intact')
    expect(await storedText()).toBe('intact')
    await expectServerStillServes()
  })

  it('[P8] a frame over the size limit closes with 1009 (MessageTooBig)', async () => {
    const big = new Uint8Array(MAX_MESSAGE_BYTES + 1)
    await sendAndExpectClose(big, CloseCode.MessageTooBig.code)
    await expectServerStillServes()
  })

  it('[P5] a text frame closes with 1003 (UnsupportedData)', async () => {
    await sendAndExpectClose('hello', CloseCode.UnsupportedData.code)
    await expectServerStillServes()
  })

  it('[U1] invalid document ids get HTTP 400 at the upgrade, before any WebSocket opens', async () => {
    const bad = ['/collab/', '/collab/..', '/collab/.', '/collab/a%20b', `/collab/${'x'.repeat(129)}`, '/a/b', '/collab/a/b', '/']
    for (const path of bad) expect(await upgradeStatus(`${running.wsUrl}${path}`), path).toBe(400)
    expect(await upgradeStatus(`${running.wsUrl}/collab/${'x'.repeat(128)}`)).toBe(101)
    await expectServerStillServes()
  })

  it('[P9] after all of the above, the stored document holds exactly the good edits', async () => {
    const fresh = await connectSynced(running.wsUrl, DOC)
    expect(fresh.doc.getText('t').toString()).toBe('intact')
    expect(fresh.doc.getMap('probes').size).toBeGreaterThanOrEqual(7)
    fresh.destroy()
  })
})
