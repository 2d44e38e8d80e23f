import { notFound } from 'next/navigation'
import { isValidDocId } from '../../../lib/protocol/document-fields'
import { EmbedWorkspace } from '../../_components/embed-workspace'

interface Props {
  params: Promise<{ docId: string }>
  searchParams: Promise<Record<string, string | string[] | undefined>>
}

/** The editor alone, for iframes: `?name=` sets the writer's name, `?toolbar=0` hides the toolbar,
 * `?localCopy=0` keeps no copy of the document on the device, `?token=` is an access token (read
 * in the browser, exchanged for a session token). */
export default async function EmbedPage({ params, searchParams }: Props) {
  const { docId } = await params
  if (!isValidDocId(docId)) notFound()
  const { name, toolbar, localCopy } = await searchParams
  return (
    <EmbedWorkspace
      docId={docId}
      nameOverride={typeof name === 'string' ? name : null}
      toolbar={toolbar !== '0'}
      localCopy={localCopy !== '0'}
    />
  )
}
