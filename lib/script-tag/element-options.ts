import { colorForSeed, normalizeName, type TandemUser } from '../client/identity'
import type { MountTandemOptions } from '../mount/mount-tandem'

/** What a page may leave out when it mounts through the script tag. */
export type ScriptMountOptions = Omit<MountTandemOptions, 'user'> & { user?: Partial<TandemUser> }

const COLOR = /^#[0-9a-f]{6}$/i
const DEFAULT_NAME = 'Guest'

/**
 * Fills in what the script tag knows and the page did not say: the server the script came
 * from, and a person ("Guest" in a colour of the palette derived from the name).
 */
export function completeOptions(options: ScriptMountOptions, serverUrl: string): MountTandemOptions {
  const name = normalizeName(options.user?.name) ?? DEFAULT_NAME
  const color = options.user?.color && COLOR.test(options.user.color) ? options.user.color : colorForSeed(name)
  return { ...options, serverUrl: options.serverUrl || serverUrl, user: { name, color } }
}

const isOff = (value: string | undefined) => value !== undefined && /^(false|0|off|no)$/i.test(value.trim())

/**
 * The options a `[data-tandem-doc]` element asks for: `data-tandem-doc`, `-token`, `-name`,
 * `-color`, `-server`, `-toolbar="false"`, `-local-copy="false"`.
 */
export function optionsFromElement(element: HTMLElement): ScriptMountOptions {
  const data = element.dataset
  const options: ScriptMountOptions = {
    docId: data.tandemDoc ?? '',
    user: { name: data.tandemName, color: data.tandemColor },
  }
  if (data.tandemServer) options.serverUrl = data.tandemServer
  if (data.tandemToken) options.token = data.tandemToken
  if (isOff(data.tandemToolbar)) options.toolbar = false
  if (isOff(data.tandemLocalCopy)) options.localCopy = false
  return options
}
