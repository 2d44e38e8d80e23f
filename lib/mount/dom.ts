import type { IconShape } from '../editor/icon-shapes'

/** A tiny element builder: the DOM-only UI has no framework and no innerHTML of outside text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** One icon from the 24×24 stroke set the React toolbar uses (lib/react/icons.tsx). */
export function icon(shapes: readonly IconShape[]): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg')
  const attributes: Record<string, string> = {
    width: '18',
    height: '18',
    viewBox: '0 0 24 24',
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
    'aria-hidden': 'true',
    focusable: 'false',
  }
  for (const [name, value] of Object.entries(attributes)) svg.setAttribute(name, value)
  for (const [tag, shapeAttributes] of shapes) {
    const shape = document.createElementNS(SVG_NS, tag)
    for (const [name, value] of Object.entries(shapeAttributes)) shape.setAttribute(name, value)
    svg.append(shape)
  }
  return svg
}

export type { IconShape } from '../editor/icon-shapes'
