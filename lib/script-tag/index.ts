/**
 * The script-tag build (`GET /embed.js`, built by server/http/embed-script.ts): one ES module
 * with everything in it, for pages without a bundler.
 *
 *   <script type="module" src="https://tandem.example/embed.js"></script>
 *   <div data-tandem-doc="notes" data-tandem-token="…" data-tandem-name="Ada"></div>
 *
 * On load it adds the stylesheet served next to it and mounts every `[data-tandem-doc]`;
 * `window.Tandem.mount(element, options)` (or the module's `mount`) mounts by hand. The server
 * defaults to the one the script came from, not the page's.
 */
import { collabUrlFromScript } from '../client/urls'
import { type MountedTandem, mountTandem } from '../mount/mount-tandem'
import { completeOptions, optionsFromElement, type ScriptMountOptions } from './element-options'

export type { MountedTandem, MountTandemOptions, TandemTheme } from '../mount/mount-tandem'
export type { ScriptMountOptions } from './element-options'

const SERVER_URL = collabUrlFromScript(import.meta.url)
const STYLESHEET_URL = new URL('embed.css', import.meta.url).href
const mounted = new WeakMap<HTMLElement, MountedTandem>()

/** Adds the editor's stylesheet once (a page that links it itself keeps its own link). */
function addStylesheet(): void {
  const links = document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')
  if ([...links].some((link) => link.href === STYLESHEET_URL)) return
  const link = document.createElement('link')
  link.rel = 'stylesheet'
  link.href = STYLESHEET_URL
  document.head.append(link)
}

/** mountTandem with the script's defaults: this server, and "Guest" when no name is given. */
export function mount(element: HTMLElement, options: ScriptMountOptions): MountedTandem {
  addStylesheet()
  const inner = mountTandem(element, completeOptions(options, SERVER_URL))
  const handle: MountedTandem = {
    ...inner,
    destroy() {
      if (mounted.get(element) === handle) mounted.delete(element)
      inner.destroy()
    },
  }
  mounted.set(element, handle)
  return handle
}

/** The same function under the npm package's name, so code written for it runs unchanged. */
export { mount as mountTandem }

/** The editor mounted on an element (by its data attributes or by hand), if any. */
export function get(element: HTMLElement): MountedTandem | undefined {
  return mounted.get(element)
}

/** Mounts every `[data-tandem-doc]` under `root` not mounted yet; one bad element does not stop the rest. */
export function mountAll(root: ParentNode = document): MountedTandem[] {
  const handles: MountedTandem[] = []
  for (const element of root.querySelectorAll<HTMLElement>('[data-tandem-doc]')) {
    // An editor already there may come from a second copy of this module (another URL of it).
    if (mounted.has(element) || element.querySelector(':scope > .tandem-mount')) continue
    try {
      handles.push(mount(element, optionsFromElement(element)))
    } catch (error) {
      console.error('Tandem: could not mount', element, error)
    }
  }
  return handles
}

declare global {
  interface Window {
    Tandem?: { mount: typeof mount; mountTandem: typeof mount; mountAll: typeof mountAll; get: typeof get }
  }
}

window.Tandem = { mount, mountTandem: mount, mountAll, get }
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mountAll(), { once: true })
else mountAll()
