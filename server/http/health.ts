import type { ServerResponse } from 'node:http'
import { sendJson } from './respond'

/** One dependency that must answer for the server to be ready (storage, later Redis). */
export interface ReadinessCheck {
  readonly name: string
  check(): Promise<void>
}

/** Liveness: the process answers. It never looks at dependencies (that is readiness). */
export function handleHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' })
}

/** Readiness: every dependency answers right now (each check bounded by a timeout). */
export async function handleReady(res: ServerResponse, checks: readonly ReadinessCheck[], timeoutMs = 2_000): Promise<void> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
          }),
        ])
        return [name, 'ok'] as const
      } catch (err) {
        return [name, (err as Error).message] as const
      } finally {
        clearTimeout(timer)
      }
    }),
  )
  const ready = results.every(([, state]) => state === 'ok')
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', ...Object.fromEntries(results) })
}
