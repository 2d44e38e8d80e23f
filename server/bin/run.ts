import { DatabaseUnavailableError } from '../storage/connection-url'
import { DataDirInUseError } from '../storage/data-dir-lock'
import { WebhookUrlError } from '../webhooks/url-policy'

/**
 * Runs an entry point's main. A failure the operator can act on (the data directory or the
 * port is taken, PostgreSQL does not answer, the configured webhook URL is refused) is one line on stderr, not a stack trace;
 * anything else is printed whole, since it is a bug or a broken environment. Either way the
 * exit code is 1.
 */
export function runEntryPoint(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(explain(err) ?? err)
    process.exit(1)
  })
}

function explain(err: unknown): string | null {
  if (err instanceof DataDirInUseError || err instanceof DatabaseUnavailableError || err instanceof WebhookUrlError) return err.message
  const { code, syscall, port, address } = err as { code?: string; syscall?: string; port?: number; address?: string }
  if (syscall !== 'listen') return null
  if (code === 'EADDRINUSE')
    return `Port ${port} on ${address} is in use by another program: stop it, or pick another port with --port (PORT).`
  if (code === 'EACCES') return `No permission to listen on port ${port}: pick a port above 1023 with --port (PORT).`
  if (code === 'EADDRNOTAVAIL') return `This machine has no address ${address}: pick another with --host (TANDEM_HOST).`
  return null
}
