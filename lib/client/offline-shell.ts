/**
 * Registers the offline app shell's service worker (`/sw.js`, served by the Tandem app): once
 * a page has been opened, `/` and that page load without a network. Only in production builds
 * and only on secure contexts (https, or http on localhost / 127.0.0.1), where browsers allow
 * service workers. Resolves with the registration, or null when it does not apply or fails.
 * An embedding app that serves its own pages should not call it: the worker stores the Tandem
 * app's routes (`/`, `/d/<id>`, `/embed/<id>`).
 */
export async function registerOfflineShell(options: { url?: string } = {}): Promise<ServiceWorkerRegistration | null> {
  if (process.env.NODE_ENV !== 'production') return null
  if (typeof window === 'undefined' || !window.isSecureContext || !('serviceWorker' in navigator)) return null
  try {
    return await navigator.serviceWorker.register(options.url ?? '/sw.js', { scope: '/', updateViaCache: 'none' })
  } catch (error) {
    console.warn('Tandem: the offline app shell could not be registered', error)
    return null
  }
}
