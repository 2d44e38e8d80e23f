import { type Logger, pino } from 'pino'

/** JSON logs on stdout, one object per line (pino), at the configured level. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'tandem' } })
}

export type { Logger }
