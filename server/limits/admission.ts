/**
 * Connection counts for the upgrade-time limits: in total, per client address and per
 * document. Admission happens before the WebSocket opens, so a refused client costs an HTTP
 * response and nothing more.
 */
export interface AdmissionLimits {
  readonly maxConnections: number
  readonly maxConnectionsPerIp: number
  readonly maxConnectionsPerDocument: number
}

export type AdmissionRefusal =
  | { readonly kind: 'connections'; readonly status: 503; readonly message: string }
  | { readonly kind: 'connections_per_ip'; readonly status: 429; readonly message: string }
  | { readonly kind: 'connections_per_document'; readonly status: 429; readonly message: string }

export class Admission {
  private total = 0
  private readonly perIp = new Map<string, number>()
  private readonly perDocument = new Map<string, number>()

  constructor(private readonly limits: AdmissionLimits) {}

  /** Counts the connection in, or says which limit refuses it. Pair every success with release(). */
  admit(address: string, docId: string): AdmissionRefusal | null {
    if (this.total >= this.limits.maxConnections) {
      return { kind: 'connections', status: 503, message: 'server is at its connection limit' }
    }
    if ((this.perIp.get(address) ?? 0) >= this.limits.maxConnectionsPerIp) {
      return { kind: 'connections_per_ip', status: 429, message: 'too many connections from this address' }
    }
    if ((this.perDocument.get(docId) ?? 0) >= this.limits.maxConnectionsPerDocument) {
      return { kind: 'connections_per_document', status: 429, message: 'too many connections to this document' }
    }
    this.total++
    increment(this.perIp, address, 1)
    increment(this.perDocument, docId, 1)
    return null
  }

  release(address: string, docId: string): void {
    this.total--
    increment(this.perIp, address, -1)
    increment(this.perDocument, docId, -1)
  }

  get connections(): number {
    return this.total
  }
}

function increment(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by
  if (next <= 0) map.delete(key)
  else map.set(key, next)
}
