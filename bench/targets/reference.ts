import { startNode, type TargetSpec } from './spawn'

/** The reference y-websocket server, @y/websocket-server 0.1.1, in memory. */
const spec: TargetSpec = {
  name: 'reference',
  label: 'y-websocket-server',
  protocol: 'y-websocket',
  persistent: false,
  tandem: false,
  description:
    '`@y/websocket-server` 0.1.1 `setupWSConnection` behind the same http + `ws` 8.23 server as its bin (bench/servers/reference.mjs), no persistence',
  start: (options) => startNode(spec, options, ['bench/servers/reference.mjs'], { YPERSISTENCE: undefined }, /LISTENING (\d+)/),
}
export default spec
