import path from 'node:path'
import { startNode, type TargetSpec } from './spawn'

/** The reference server with its own LevelDB persistence (y-leveldb, via YPERSISTENCE). */
const spec: TargetSpec = {
  name: 'reference-leveldb',
  label: 'y-websocket-server + LevelDB',
  protocol: 'y-websocket',
  persistent: true,
  tandem: false,
  description: '`@y/websocket-server` 0.1.1 with `YPERSISTENCE=<dir>` (its built-in y-leveldb persistence: every update appended)',
  start: (options) =>
    startNode(spec, options, ['bench/servers/reference.mjs'], { YPERSISTENCE: path.join(options.dataDir, 'leveldb') }, /LISTENING (\d+)/),
}
export default spec
