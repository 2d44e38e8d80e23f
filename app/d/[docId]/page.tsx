import type { Metadata } from 'next'
import { notFound } from 'next/navigation'
import { isValidDocId } from '../../../lib/protocol/document-fields'
import { DocWorkspace } from '../../_components/doc-workspace'

interface Props {
  params: Promise<{ docId: string }>
  searchParams: Promise<Record<string, string | string[] | undefined>>
}

export const metadata: Metadata = { title: 'Document' }

/** `?name=` names the visitor for this page view; `?token=` is read in the browser (see DocWorkspace). */
export default async function DocPage({ params, searchParams }: Props) {
  const { docId } = await params
  if (!isValidDocId(docId)) notFound()
  const { name } = await searchParams
  return <DocWorkspace docId={docId} nameOverride={typeof name === 'string' ? name : null} />
}
