/**
 * The shapes of the toolbar's newer icons (24×24 grid, stroked in currentColor), drawn by the
 * React toolbar (lib/react/icons.tsx) and the DOM-only one (lib/mount/dom.ts) alike.
 */
export type IconShape = readonly ['path' | 'circle' | 'rect', Record<string, string>]

const path = (d: string): IconShape => ['path', { d }]
const rect = (x: number, y: number, width: number, height: number, extra: Record<string, string> = {}): IconShape => [
  'rect',
  { x: String(x), y: String(y), width: String(width), height: String(height), rx: '1.5', ...extra },
]
const dot = (cx: string): IconShape => ['circle', { cx, cy: '12', r: '1.4', fill: 'currentColor' }]

export const ICON_SHAPES = {
  underline: [path('M7 4v6a5 5 0 0 0 10 0V4'), path('M5 20h14')],
  highlight: [path('m9 11-6 6v3h9l3-3'), path('m22 12-4.6 4.6a2 2 0 0 1-2.8 0l-5.2-5.2a2 2 0 0 1 0-2.8L14 4')],
  taskList: [rect(3, 4, 7, 7), path('m3.5 17.5 2 2 4-4.5'), path('M14 7.5h7M14 17.5h7')],
  alignLeft: [path('M4 6h16M4 12h10M4 18h14')],
  alignCenter: [path('M4 6h16M7 12h10M5 18h14')],
  alignRight: [path('M4 6h16M10 12h10M6 18h14')],
  horizontalRule: [path('M3 12h18'), path('M7 6h10M7 18h10')],
  table: [rect(3, 4, 18, 16), path('M3 10h18M3 15h18M9 4v16M15 4v16')],
  addRowBefore: [rect(3, 13, 18, 8), path('M12 3v7M8.5 6.5h7')],
  addRowAfter: [rect(3, 3, 18, 8), path('M12 14v7M8.5 17.5h7')],
  addColumnBefore: [rect(13, 3, 8, 18), path('M3 12h7M6.5 8.5v7')],
  addColumnAfter: [rect(3, 3, 8, 18), path('M14 12h7M17.5 8.5v7')],
  deleteRow: [rect(3, 7, 18, 10), path('m9.5 9.5 5 5M14.5 9.5l-5 5')],
  deleteColumn: [rect(7, 3, 10, 18), path('m9.5 9.5 5 5M14.5 9.5l-5 5')],
  toggleHeaderRow: [rect(3, 4, 18, 16), rect(3, 4, 18, 5, { fill: 'currentColor' }), path('M3 14.5h18M12 9v11')],
  deleteTable: [path('M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3')],
  more: [dot('5'), dot('12'), dot('19')],
} satisfies Record<string, readonly IconShape[]>

export type IconName = keyof typeof ICON_SHAPES
