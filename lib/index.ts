/**
 * Tandem's framework-free entry (`tandem-editor`): the complete embedded editor (`mountTandem`),
 * the editor alone (`lib/editor`) and the client it runs on (`lib/client`). The React bindings
 * are `tandem-editor/react` (lib/react/index.ts), the styles `tandem-editor/style.css`
 * (lib/react/tandem.css). Nothing here imports React.
 */
export * from './client/index'
export * from './editor/index'
export * from './mount/index'
