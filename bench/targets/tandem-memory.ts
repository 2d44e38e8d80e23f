import { tandemTarget } from './tandem'

/** Tandem with `--storage memory`: the relay without durability. */
export default tandemTarget('memory')
