/**
 * People's colours. Every colour here works for everything a colour marks, in light and dark
 * mode: white initials and caret labels on it keep a WCAG contrast of at least 4.5:1, and as a
 * caret or avatar it stands out from the light and the dark page backgrounds by at least 3:1.
 * That leaves one band of lightness, so the colours differ by hue; they are ordered so that
 * each one is as far as possible (CIEDE2000) from all before it, and every pair differs by a
 * ΔE of more than 20 (tests/unit/palette.test.ts checks all of it).
 */
export const USER_COLORS: readonly string[] = [
  '#d807a7', // magenta
  '#178703', // green
  '#0e7caf', // blue
  '#b75b03', // orange
  '#e8063e', // red
  '#0d8378', // teal
  '#847500', // olive
  '#7352fe', // violet
]

/** FNV-1a: a tiny, stable string hash (not for security). */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A person's preferred colour, derived from a stable seed (their id). */
export function colorForSeed(seed: string): string {
  return USER_COLORS[hash(seed) % USER_COLORS.length] ?? '#0e7caf'
}

/**
 * The preferred colour when nobody in `taken` wears it, else the first palette colour nobody
 * wears (the palette's order spreads those first choices apart), else the preferred one: with
 * more people than colours, some must share.
 */
export function pickColor(preferred: string, taken: ReadonlySet<string>): string {
  const worn = new Set([...taken].map((color) => color.toLowerCase()))
  if (!worn.has(preferred.toLowerCase())) return preferred
  return USER_COLORS.find((color) => !worn.has(color)) ?? preferred
}
