import { describe, expect, it } from 'vitest'
import { sendWebhook } from '../../server/webhooks/sender'
import { checkWebhookUrl, forbiddenAddressReason, WebhookUrlError } from '../../server/webhooks/url-policy'
import { startReceiver } from '../helpers/webhook-receiver'

describe('webhook URL policy', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ])('[W5] refuses %s', (address) => {
    expect(forbiddenAddressReason(address)).not.toBeNull()
  })

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    '[W5] allows the public address %s',
    (address) => {
      expect(forbiddenAddressReason(address)).toBeNull()
    },
  )

  it('[W5] checks every address a host resolves to, and only http(s) URLs without credentials', async () => {
    const resolve = async (host: string) => (host === 'mixed.example' ? ['93.184.216.34', '10.0.0.5'] : ['93.184.216.34'])
    const policy = { allowPrivate: false }
    await expect(checkWebhookUrl('https://public.example/hook', policy, resolve)).resolves.toBeInstanceOf(URL)
    await expect(checkWebhookUrl('https://mixed.example/hook', policy, resolve)).rejects.toThrow(/10\.0\.0\.5/)
    await expect(checkWebhookUrl('ftp://public.example/', policy, resolve)).rejects.toBeInstanceOf(WebhookUrlError)
    await expect(checkWebhookUrl('https://user:pw@public.example/', policy, resolve)).rejects.toThrow(/credentials/)
    await expect(checkWebhookUrl('http://[fe80::1]/', policy, resolve)).rejects.toThrow(/link-local/)
    await expect(checkWebhookUrl('http://127.0.0.1:9/', { allowPrivate: true }, resolve)).resolves.toBeInstanceOf(URL)
    const unresolvable = async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
    }
    await expect(checkWebhookUrl('https://nowhere.example/', policy, unresolvable)).rejects.toThrow(/ENOTFOUND/)
  })
})

describe('webhook sender', () => {
  it('[W5] checks the address it connects to at delivery: a name resolving to loopback is refused unless allowed', async () => {
    const hooks = await startReceiver()
    try {
      const url = `http://localhost:${hooks.port}/hook`
      const send = (allowPrivate: boolean) => sendWebhook({ url, headers: {}, body: '{}', timeoutMs: 2_000, policy: { allowPrivate } })
      const refused = await send(false)
      expect(refused).toEqual({ error: expect.stringMatching(/refused: localhost resolves to .*loopback/) })
      expect(await sendWebhook({ url: hooks.url, headers: {}, body: '{}', timeoutMs: 2_000, policy: { allowPrivate: false } })).toEqual({
        error: expect.stringMatching(/refused: 127\.0\.0\.1/),
      })
      expect(hooks.received).toHaveLength(0)
      expect(await send(true)).toEqual({ status: 200 })
      expect(hooks.received).toHaveLength(1)
    } finally {
      await hooks.close()
    }
  })
})
