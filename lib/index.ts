/**
 * Tandem's public entry for embedding apps: the framework-free editor (`lib/editor`) and the
 * React bindings (`lib/react`, client components). Styles: `lib/react/tandem.css`.
 */
export * from './editor/index'
export * from './react/index'
