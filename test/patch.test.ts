/**
 * patches/music-metadata+*.patch (applied by patch-package on install): one CombinedTagMapper for all
 * parses instead of one per file. These tests fail if the patch is not applied, or if sharing the
 * mapper let one file's tags leak into another's result.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeFile } from '../src/scan/probe/index.js';
import { ROOT, SAMPLES, LEAK } from './helpers.js';

describe('the music-metadata patch', () => {
  it('is applied to the installed package', () => {
    const src = readFileSync(join(ROOT, 'node_modules/music-metadata/lib/common/MetadataCollector.js'), 'utf8');
    expect(src).toContain('sharedTagMapper ?? (sharedTagMapper = new CombinedTagMapper())');
    expect(src).not.toContain('this.tagMapper = new CombinedTagMapper();');
  });
  it('keeps every parse to its own tags', async () => {
    const tagged = join(LEAK, 'ambulanstransport/bestallning-0701740609.mp3');
    const plain = join(SAMPLES, 'codecs/cbr-xing.mp3');
    for (let i = 0; i < 3; i++) {
      expect((await probeFile(tagged, 'bestallning-0701740609.mp3')).probe.embeddedDate).toEqual({
        naive: [2019, 1, 16, 10, 20, 30],
        source: 'id3',
      });
      expect((await probeFile(plain, 'cbr-xing.mp3')).probe.embeddedDate).toBeUndefined();
    }
  });
});
