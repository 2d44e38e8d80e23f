import type { IconShape } from './dom'

const path = (d: string): IconShape => ['path', { d }]
const dot = (cy: string): IconShape => ['circle', { cx: '4.5', cy, r: '1', fill: 'currentColor' }]

/** The toolbar's icons, the same shapes as lib/react/icons.tsx. */
export const ICONS = {
  bold: [path('M7 5h6a3.5 3.5 0 0 1 0 7H7z'), path('M7 12h7a3.5 3.5 0 0 1 0 7H7z')],
  italic: [path('M19 4h-9M14 20H5M15 4 9 20')],
  strike: [
    path('M16 5.5A4 4 0 0 0 12.5 4h-1.6A3.4 3.4 0 0 0 8 9.5'),
    path('M4 12h16'),
    path('M8 18.5a4 4 0 0 0 3.5 1.5h1.6a3.4 3.4 0 0 0 3.4-3.4c0-1-.3-1.8-.9-2.6'),
  ],
  code: [path('m16 18 6-6-6-6M8 6l-6 6 6 6')],
  bulletList: [path('M9 6h11M9 12h11M9 18h11'), dot('6'), dot('12'), dot('18')],
  orderedList: [
    path('M10 6h10M10 12h10M10 18h10'),
    path('M4 4.5h1.2V9M4 9h2.4'),
    path('M4 14.6c.3-.5.8-.8 1.3-.8.7 0 1.2.5 1.2 1.1 0 .9-1.3 1.6-2.5 3.1h2.6'),
  ],
  blockquote: [path('M4 6v12'), path('M9 8h11M9 12h11M9 16h7')],
  codeBlock: [['rect', { x: '3', y: '4', width: '18', height: '16', rx: '2.5' }], path('m10 9.5-2.5 2.5 2.5 2.5M14 9.5l2.5 2.5-2.5 2.5')],
  image: [
    ['rect', { x: '3', y: '4', width: '18', height: '16', rx: '2.5' }],
    ['circle', { cx: '9', cy: '9.5', r: '1.5' }],
    path('m21 16-5-5-9 9'),
  ],
  undo: [path('M9 14 4 9l5-5'), path('M4 9h10.5a5.5 5.5 0 0 1 0 11H11')],
  redo: [path('m15 14 5-5-5-5'), path('M20 9H9.5a5.5 5.5 0 0 0 0 11H13')],
} satisfies Record<string, readonly IconShape[]>
