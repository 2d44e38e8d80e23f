import { headers } from 'next/headers'
import { notFound } from 'next/navigation'
import { isValidDocId } from '../../../lib/protocol/document-fields'
import { EMBED_ORIGINS_HEADER, parseEmbedOrigins } from '../../../lib/protocol/embed-messages'
import { EmbedWorkspace } from '../../_components/embed-workspace'

interface Props {
  params: Promise<{ docId: string }>
  searchParams: Promise<Record<string, string | string[] | undefined>>
}

/** The editor alone, for iframes: `?name=` sets the writer's name, `?toolbar=0` hides the toolbar,
 * `?localCopy=0` keeps no copy of the document on the device, `?theme=light|dark` overrides the
 * system's colour scheme, `?token=` is an access token (read in the browser, exchanged for a
 * session token). The origins the page may talk to over postMessage come from the server in a
 * request header (server/http/embed-policy.ts); without it (e.g. `next dev` alone) none. */
export default async function EmbedPage({ params, searchParams }: Props) {
  const { docId } = await params
  if (!isValidDocId(docId)) notFound()
  const { name, toolbar, localCopy, theme } = await searchParams
  const embedOrigins = parseEmbedOrigins((await headers()).get(EMBED_ORIGINS_HEADER))
  return (
    <EmbedWorkspace
      docId={docId}
      nameOverride={typeof name === 'string' ? name : null}
      toolbar={toolbar !== '0'}
      localCopy={localCopy !== '0'}
      theme={theme === 'light' || theme === 'dark' ? theme : null}
      embedOrigins={embedOrigins}
    />
  )
}
