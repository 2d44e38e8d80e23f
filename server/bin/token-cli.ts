import { TokenService } from '../auth/tokens'
import { tokenRequestFromCommandLine } from '../config'
import { runEntryPoint } from './run'

/**
 * `npm run token -- --sub alice --name Alice --docs '*' --role editor --days 30`
 * Mints a token with TANDEM_AUTH_SECRET, for operators and scripts (the first admin link, a
 * service account). Prints the token on stdout (so `$(npm run -s token -- …)` captures just
 * it) and its expiry and a link that opens the app with it on stderr.
 */
async function main(argv: string[]): Promise<void> {
  const request = tokenRequestFromCommandLine(argv, process.env, 'npm run token --')
  if (!request) return
  const { sub, name, docs, role, days, url, authSecret } = request
  const minted = await new TokenService({ kind: 'secret', secret: authSecret }).mint(
    { sub, ...(name ? { name } : {}), docs, role },
    Math.round(days * 24 * 60 * 60),
  )
  const link = new URL(url)
  link.searchParams.set('token', minted.token)
  console.log(minted.token)
  console.error(`expires ${minted.expiresAt.toISOString()}; open ${link.href}`)
}

runEntryPoint(() => main(process.argv.slice(2)))
