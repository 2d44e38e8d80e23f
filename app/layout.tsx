import type { Metadata, Viewport } from 'next'
import type { ReactNode } from 'react'
import 'tandem-editor/style.css'
import { OfflineShell } from './_components/offline-shell'
import './globals.css'

export const metadata: Metadata = {
  title: { default: 'Tandem', template: '%s · Tandem' },
  description: 'Write together in real time. A self-hosted collaborative editor.',
}

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f6f6f3' },
    { media: '(prefers-color-scheme: dark)', color: '#15171a' },
  ],
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        {children}
        <OfflineShell />
      </body>
    </html>
  )
}
