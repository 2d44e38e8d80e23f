/**
 * Tandem's public entry for embedding apps: the framework-free editor (`lib/editor`), the client
 * it runs on (`lib/client`) and the React bindings (`lib/react`, client components).
 * Styles: `lib/react/tandem.css`.
 */
export * from './client/index'
export * from './editor/index'
export * from './react/index'
