import { tandemTarget } from './tandem'

/** Tandem with its default storage: SQLite, every update committed before it is relayed. */
export default tandemTarget('sqlite')
