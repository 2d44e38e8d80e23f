import { parseArgs } from 'node:util'
import { ROLES, type Role } from '../auth/claims'
import { TokenService } from '../auth/tokens'

/**
 * `npm run token -- --sub alice --name Alice --docs '*' --role editor --days 30`
 * Mints a token with TANDEM_AUTH_SECRET, for operators and scripts (the first admin link, a
 * service account). Prints the token and a link to the documents list.
 */
const HELP = `Usage: npm run token -- --sub ID [--name NAME] [--docs 'id,prefix*' | '*'] [--role viewer|commenter|editor] [--days N] [--url BASE]
Reads the secret from TANDEM_AUTH_SECRET. Defaults: --docs '*', --role editor, --days 30.`

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' },
      name: { type: 'string' },
      docs: { type: 'string', default: '*' },
      role: { type: 'string', default: 'editor' },
      days: { type: 'string', default: '30' },
      url: { type: 'string', default: 'http://localhost:3000' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return console.log(HELP)
  const secret = process.env.TANDEM_AUTH_SECRET
  if (!secret || secret.length < 32) throw new Error('set TANDEM_AUTH_SECRET (at least 32 characters) to mint tokens')
  if (!values.sub) throw new Error(`--sub is required\n${HELP}`)
  if (!ROLES.includes(values.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`)
  const days = Number(values.days)
  if (!Number.isFinite(days) || days <= 0) throw new Error('--days must be a positive number')
  const docs = values.docs
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
  const minted = await new TokenService({ kind: 'secret', secret }).mint(
    { sub: values.sub, ...(values.name ? { name: values.name } : {}), docs, role: values.role as Role },
    Math.round(days * 24 * 60 * 60),
  )
  console.log(minted.token)
  console.error(`expires ${minted.expiresAt.toISOString()}; open ${values.url}/?token=${minted.token}`)
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error((err as Error).message)
  process.exit(2)
})
