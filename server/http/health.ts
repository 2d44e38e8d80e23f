import type { ServerResponse } from 'node:http'
import type { Storage } from '../storage/storage'
import { sendJson } from './respond'

/** Liveness: the process answers. It never looks at dependencies (that is readiness). */
export function handleHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' })
}

/** Readiness: storage answers a query right now. */
export async function handleReady(res: ServerResponse, storage: Storage): Promise<void> {
  try {
    await storage.ping()
    sendJson(res, 200, { status: 'ready', storage: 'ok' })
  } catch (err) {
    sendJson(res, 503, { status: 'unavailable', storage: (err as Error).message })
  }
}
