import { tandemTarget } from './tandem'

/** Tandem on PostgreSQL: a fresh database per run (created by prepare, dropped afterwards). */
export default tandemTarget('postgres')
