import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const ARTIFACTS_DIR = path.join(root, 'test-artifacts')

const CANDIDATES = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  (p): p is string => typeof p === 'string' && p.length > 0,
)

/** The Chromium to drive, or null. Never downloads one (`npx playwright install` is not an option here). */
export function findChromium(): string | null {
  return CANDIDATES.find((candidate) => fs.existsSync(candidate)) ?? null
}

/**
 * Whether browser tests can run. Without Chromium they skip loudly, except under CI=true where
 * a missing browser is a failure.
 */
export function browserAvailability(): { run: boolean; executablePath: string | null } {
  const executablePath = findChromium()
  if (executablePath) return { run: true, executablePath }
  if (process.env.CI === 'true') {
    throw new Error(
      'Chromium not found (looked at CHROME_PATH, /usr/bin/chromium …) and CI=true: browser tests must run. Install it with `apt-get install -y chromium`.',
    )
  }
  console.warn(
    '\n⚠️  [e2e] SKIPPING browser tests: Chromium not found. Install it with `apt-get update && apt-get install -y chromium` or set CHROME_PATH.\n',
  )
  return { run: false, executablePath: null }
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

export function artifactPath(name: string): string {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true })
  return path.join(ARTIFACTS_DIR, name)
}
