/** The whole embedded editor without a framework: status, "Saved", people, toolbar and text. */
export { type MountedTandem, type MountTandemOptions, mountTandem, type TandemTheme } from './mount-tandem'
