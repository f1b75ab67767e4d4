/**
 * A stop that comes while an output's temporary file is being made: removeTemporaryFiles (what the
 * second SIGINT or SIGTERM calls before it exits at once) must know that file the moment it exists.
 * Opened on the thread pool, it was known only a turn of the event loop later, and `--from CASE --csv F`
 * stopped twice in its first second left `.F.tmp-…` (attack round 11b: 9 runs of 14).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicFile, removeTemporaryFiles } from '../src/report/output/atomic.js';
import { tempDir } from './helpers.js';

describe('an output stopped while its temporary file is made', () => {
  it('leaves no temporary file when the temporary files are removed before the open is awaited', async () => {
    const dir = tempDir();
    const made = AtomicFile.create(join(dir, 'summary.csv'));
    // what a second stop signal does, before this run's next turn of the event loop
    removeTemporaryFiles();
    const file = await made;
    // removed by removeTemporaryFiles above, not left for the next run to find
    const left = readdirSync(dir);
    file.abort();
    expect(left).toEqual([]);
  });
});
