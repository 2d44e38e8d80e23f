import { startNode, type TargetSpec } from './spawn'

/** @hocuspocus/server 3.4.4 with no extension (documents live in memory while open). */
const spec: TargetSpec = {
  name: 'hocuspocus',
  label: 'Hocuspocus',
  protocol: 'hocuspocus',
  persistent: false,
  tandem: false,
  description: '`@hocuspocus/server` 3.4.4 `Server` with default configuration, no extension (bench/servers/hocuspocus.mjs)',
  start: (options) => startNode(spec, options, ['bench/servers/hocuspocus.mjs'], {}, /LISTENING (\d+)/),
}
export default spec
