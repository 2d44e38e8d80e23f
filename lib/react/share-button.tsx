'use client'

import { useEffect, useRef, useState } from 'react'
import { documentUrl } from '../editor/urls'
import { CheckIcon, LinkIcon } from './icons'

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    // Clipboard API refused (insecure origin, no permission): the old selection route.
    const area = document.createElement('textarea')
    area.value = text
    area.setAttribute('readonly', '')
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.append(area)
    area.select()
    let ok = false
    try {
      ok = document.execCommand('copy')
    } catch {
      ok = false
    }
    area.remove()
    return ok
  }
}

/** Copies the document's link and says "Link copied" (announced to screen readers too). */
export function ShareButton({ docId }: { docId: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current)
  }, [])

  const onClick = async () => {
    const url = documentUrl(window.location.origin, docId)
    const ok = await copyText(url)
    setState(ok ? 'copied' : 'failed')
    if (timer.current) clearTimeout(timer.current)
    timer.current = setTimeout(() => setState('idle'), 2500)
    if (!ok) window.prompt('Copy this link:', url)
  }

  return (
    <button type="button" className="tandem-button tandem-button--primary tandem-share" data-testid="share" onClick={onClick} data-state={state}>
      {state === 'copied' ? <CheckIcon /> : <LinkIcon />}
      <span aria-live="polite">{state === 'copied' ? 'Link copied' : 'Share'}</span>
    </button>
  )
}
