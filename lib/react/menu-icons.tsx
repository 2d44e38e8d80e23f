/** Icons of the bubble menu, the `/` menu and the find bar (same grid and stroke as ./icons.tsx). */
import { Icon } from './icons'

export const UnderlineIcon = () => (
  <Icon>
    <path d="M7 4v7a5 5 0 0 0 10 0V4" />
    <path d="M5 20h14" />
  </Icon>
)
export const HighlightIcon = () => (
  <Icon>
    <path d="m9 11-5 5v3h7l1-1" />
    <path d="m13.5 6.5 4 4" />
    <path d="M9 11 15.5 4.5a2.1 2.1 0 0 1 3 0l1 1a2.1 2.1 0 0 1 0 3L13 15z" />
  </Icon>
)
export const TextIcon = () => (
  <Icon>
    <path d="M5 6V4h14v2M12 4v16M9 20h6" />
  </Icon>
)
export const ChecklistIcon = () => (
  <Icon>
    <rect x="3" y="4" width="6" height="6" rx="1.5" />
    <path d="m4.5 16 1.5 1.5 3-3" />
    <path d="M13 7h8M13 16h8" />
  </Icon>
)
export const TableIcon = () => (
  <Icon>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <path d="M3 10h18M3 15h18M10 4v16" />
  </Icon>
)
export const DividerIcon = () => (
  <Icon>
    <path d="M3 12h18" />
    <path d="M8 6h8M8 18h8" opacity="0.45" />
  </Icon>
)
export const SearchIcon = () => (
  <Icon>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-3.5-3.5" />
  </Icon>
)
export const ChevronUpIcon = () => (
  <Icon>
    <path d="m18 15-6-6-6 6" />
  </Icon>
)
