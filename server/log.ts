import { createRequire } from 'node:module'
import { type DestinationStream, type Logger, pino } from 'pino'
import type PinoPretty from 'pino-pretty'

/**
 * Logs on stdout (pino): readable lines for a person at a terminal, JSON lines for everything
 * else (a log collector, a file, a pipe). `auto` decides by whether stdout is a terminal.
 */
export type LogFormat = 'auto' | 'pretty' | 'json'

export function resolveLogFormat(format: LogFormat, stdoutIsTerminal = process.stdout.isTTY === true): 'pretty' | 'json' {
  if (format !== 'auto') return format
  return stdoutIsTerminal ? 'pretty' : 'json'
}

/** Colours only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colourEnabled(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR
}

export function createLogger(level: string, format: LogFormat = 'auto'): Logger {
  const options = { level, base: { service: 'tandem' } }
  // Synchronous writes: a line logged just before process.exit() (a refusal, a failed shutdown)
  // is on stdout before the process is gone.
  const stdout = pino.destination({ dest: 1, sync: true })
  if (resolveLogFormat(format) === 'json') return pino(options, stdout)
  return pino(options, prettyStream(stdout))
}

/**
 * pino-pretty's formatter used in-line, not as its transport or stream: both of those pipe
 * through Node streams (the transport even through a worker thread), and whatever is still in
 * flight when the process exits is lost. Here each line is formatted and written in the call.
 */
function prettyStream(destination: DestinationStream): DestinationStream {
  // Required here, not imported at the top: JSON logs (what a service or a pipe gets) never load it.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty
  const prettify = prettyFactory({
    colorize: colourEnabled(),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    singleLine: true,
  })
  return { write: (line: string) => destination.write(prettify(line)) }
}

export type { Logger }
