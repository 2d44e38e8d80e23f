import type { Scenario } from '../lib/harness'
import { browser } from './browser'
import { bundle } from './bundle'
import { cluster } from './cluster'
import { coldload } from './coldload'
import { durability } from './durability'
import { fanout } from './fanout'
import { idle } from './idle'
import { joinstorm } from './joinstorm'
import { mount } from './mount'
import { presence } from './presence'
import { profile } from './profile'
import { saturation } from './saturation'
import { startup } from './startup'

/** In running order (durability reuses the saturation results of the same invocation). */
export const SCENARIOS: readonly Scenario[] = [
  fanout,
  saturation,
  cluster,
  presence,
  joinstorm,
  idle,
  coldload,
  startup,
  durability,
  profile,
  browser,
  mount,
  bundle,
]

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.name === name)
}
