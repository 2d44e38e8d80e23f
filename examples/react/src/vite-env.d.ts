/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The Tandem server's WebSocket base, e.g. `wss://tandem.example.org/collab`. */
  readonly VITE_TANDEM_SERVER?: string
}
