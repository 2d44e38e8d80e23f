import type { Page } from 'playwright-core'

/** Waits until the worker has stored `path` and every `/_next/static/` file its HTML names. */
export async function waitUntilStored(page: Page, path: string): Promise<void> {
  await page.waitForFunction(
    async (p) => {
      const names = await caches.keys()
      const pages = names.find((name) => name.startsWith('tandem-shell-pages-'))
      const assets = names.find((name) => name.startsWith('tandem-shell-assets-'))
      if (!pages || !assets) return false
      const stored = await (await caches.open(pages)).match(p, { ignoreVary: true })
      if (!stored) return false
      const html = await stored.text()
      const wanted = [...html.matchAll(/\/_next\/static\/[^"'\\\s)<>?#]+/g)].map((m) => m[0])
      if (wanted.length === 0) return false
      const assetCache = await caches.open(assets)
      for (const url of wanted) if (!(await assetCache.match(url))) return false
      return true
    },
    path,
    { timeout: 20_000, polling: 100 },
  )
}
