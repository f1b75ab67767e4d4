// `npm install` builds the folder-listing addon (native/*.c) with node-gyp. Against this Node's own
// headers when they are installed beside it (offline, whoever installs: node-gyp would otherwise
// download them, which fails on a machine without network); else as node-gyp does by default. A failed
// build does not fail the install: leaktally then lists folders and reads files without the addon,
// and says so on stderr (folders listed without O_NOATIME).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const prefix = dirname(dirname(process.execPath));
const own = existsSync(join(prefix, 'include', 'node', 'node_api.h')) && !process.env.npm_config_nodedir;
const r = spawnSync('node-gyp', ['rebuild', ...(own ? [`--nodedir=${prefix}`] : [])], { stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(
    'leaktally: the folder-listing addon (native/*.c) was not built; folders will be listed without O_NOATIME',
  );
}
