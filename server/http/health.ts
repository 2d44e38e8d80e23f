import type { ServerResponse } from 'node:http'
import { sendJson } from './respond'

/** One dependency the server uses (storage, Redis). */
export interface ReadinessCheck {
  readonly name: string
  check(): Promise<void>
  /**
   * Whether the server cannot serve without it (default true). When a non-critical one fails
   * (Redis: each server still serves its own clients), /readyz stays 200 and says "degraded".
   */
  readonly critical?: boolean
}

/** Liveness: the process answers. It never looks at dependencies (that is readiness). */
export function handleHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' })
}

/** Readiness: every critical dependency answers right now (each check bounded by a timeout). */
export async function handleReady(res: ServerResponse, checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<void> {
  const results = await Promise.all(
    checks.map(async ({ name, check, critical = true }) => {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
          }),
        ])
        return [name, 'ok', critical] as const
      } catch (err) {
        return [name, (err as Error).message, critical] as const
      } finally {
        clearTimeout(timer)
      }
    }),
  )
  const ready = results.every(([, state, critical]) => state === 'ok' || !critical)
  const complete = results.every(([, state]) => state === 'ok')
  const status = !ready ? 'unavailable' : complete ? 'ready' : 'degraded'
  sendJson(res, ready ? 200 : 503, { status, ...Object.fromEntries(results.map(([name, state]) => [name, state])) })
}
