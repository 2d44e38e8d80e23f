import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

/**
 * Accessibility checks with axe-core in a real page: `axeViolations(page)` injects axe-core from
 * node_modules, runs it against WCAG 2.0 A/AA and 2.1 AA, and returns the serious and critical
 * violations; `formatViolations` turns them into a message a person can act on (rule, impact,
 * help, and for each element its selector and axe's own summary, e.g. the contrast found).
 *
 *   const violations = await axeViolations(page)
 *   expect(violations, formatViolations(violations)).toEqual([])
 */

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa'] as const
export type AxeImpact = 'minor' | 'moderate' | 'serious' | 'critical'

export interface AxeNode {
  target: string[]
  html: string
  failureSummary: string
}

export interface AxeViolation {
  id: string
  impact: AxeImpact | null
  help: string
  helpUrl: string
  nodes: AxeNode[]
}

export interface AxeOptions {
  /** Impacts that count (default: serious and critical). */
  impacts?: readonly AxeImpact[]
  /** CSS selectors to leave out (e.g. a third-party frame). */
  exclude?: readonly string[]
}

const require = createRequire(import.meta.url)
let axeSource: string | null = null
/** axe-core's browser bundle, read once per test file. */
function source(): string {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
  return axeSource
}

export async function axeViolations(page: Page, options: AxeOptions = {}): Promise<AxeViolation[]> {
  const impacts = options.impacts ?? ['serious', 'critical']
  const injected = await page.evaluate(() => typeof (window as { axe?: unknown }).axe === 'object')
  if (!injected) await page.addScriptTag({ content: source() })
  const violations = await page.evaluate(
    async ({ tags, exclude }) => {
      const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: unknown[] }> } }).axe
      const context = exclude.length > 0 ? { include: [document], exclude: exclude.map((selector) => [selector]) } : document
      const result = await axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
      return result.violations as Array<{
        id: string
        impact: string | null
        help: string
        helpUrl: string
        nodes: Array<{ target: unknown[]; html: string; failureSummary?: string }>
      }>
    },
    { tags: [...AXE_TAGS], exclude: [...(options.exclude ?? [])] },
  )
  return violations
    .filter((violation) => violation.impact !== null && impacts.includes(violation.impact as AxeImpact))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact as AxeImpact,
      help: violation.help,
      helpUrl: violation.helpUrl,
      nodes: violation.nodes.map((node) => ({
        target: node.target.map(String),
        html: node.html,
        failureSummary: node.failureSummary ?? '',
      })),
    }))
}

/** One readable block per violation, each element on its own lines. */
export function formatViolations(violations: readonly AxeViolation[], where = ''): string {
  if (violations.length === 0) return `no serious or critical accessibility violations${where ? ` on ${where}` : ''}`
  const blocks = violations.map((violation) => {
    const nodes = violation.nodes.map((node) => {
      const summary = node.failureSummary
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !/^Fix (any|all) of the following:$/.test(line))
        .join(' ')
      return `    ${node.target.join(' ')}\n      ${node.html.slice(0, 160)}\n      ${summary}`
    })
    return `  [${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${nodes.join('\n')}`
  })
  return `${violations.length} accessibility violation(s)${where ? ` on ${where}` : ''}:\n${blocks.join('\n')}`
}
