import type { Refusal } from '../transport/refusal'

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

/** A refusal whose reason names the limit (the `kind` of `tandem_limit_hits_total`). */
export interface AdmissionRefusal extends Refusal {
  readonly reason: 'connections' | 'connections_per_ip' | 'connections_per_document'
}

export class Admission {
  private total = 0
  private readonly perIp = new Map<string, number>()
  private readonly perDocument = new Map<string, number>()

  constructor(private readonly limits: AdmissionLimits) {}

  /** Counts the connection in, or says which limit refuses it. Pair every success with release(). */
  admit(address: string, docId: string): AdmissionRefusal | null {
    if (this.total >= this.limits.maxConnections) {
      return { status: 503, reason: 'connections', message: 'server is at its connection limit' }
    }
    if ((this.perIp.get(address) ?? 0) >= this.limits.maxConnectionsPerIp) {
      return { status: 429, reason: 'connections_per_ip', message: 'too many connections from this address' }
    }
    if ((this.perDocument.get(docId) ?? 0) >= this.limits.maxConnectionsPerDocument) {
      return { status: 429, reason: 'connections_per_document', message: 'too many connections to this document' }
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
}

function increment(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by
  if (next <= 0) map.delete(key)
  else map.set(key, next)
}
