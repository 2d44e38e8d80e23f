import path from 'node:path'
import { startNode, type TargetSpec } from './spawn'

/** @hocuspocus/server 3.4.4 with @hocuspocus/extension-sqlite 3.4.4 on a file database. */
const spec: TargetSpec = {
  name: 'hocuspocus-sqlite',
  label: 'Hocuspocus + SQLite',
  protocol: 'hocuspocus',
  persistent: true,
  tandem: false,
  description:
    '`@hocuspocus/server` 3.4.4 + `@hocuspocus/extension-sqlite` 3.4.4 on a file (default debounce 2 s / maxDebounce 10 s: ' +
    'stores the whole document state, not each update)',
  start: (options) =>
    startNode(
      spec,
      options,
      ['bench/servers/hocuspocus.mjs', '--sqlite', path.join(options.dataDir, 'hocuspocus.sqlite')],
      {},
      /LISTENING (\d+)/,
    ),
}
export default spec
