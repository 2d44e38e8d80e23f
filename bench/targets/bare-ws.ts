import { startNode, type TargetSpec } from './spawn'

/** The floor: a `ws` room broadcast of the same bytes, no Yjs (bench/servers/bare-ws.mjs). */
const spec: TargetSpec = {
  name: 'bare-ws',
  label: 'bare ws relay',
  protocol: 'bare',
  persistent: false,
  tandem: false,
  description:
    '`ws` 8.23 relaying every binary message to the other sockets of the same path; sync step 1 answered with an empty step 2, no Yjs (bench/servers/bare-ws.mjs)',
  start: (options) => startNode(spec, options, ['bench/servers/bare-ws.mjs'], {}, /LISTENING (\d+)/),
}
export default spec
