/** Hard links: a recording with several names (one device and inode) is counted once, whatever the threads. */
import { describe, expect, it } from 'vitest';
import { linkSync } from 'node:fs';
import { join } from 'node:path';
import { scan, type ScanConfig } from '../dist/scan/engine.js';
import { put, tempDir, wav, runCli, csvObjects } from './helpers.js';

const cfg = (root: string, extra: Partial<ScanConfig> = {}): ScanConfig => ({
  root,
  depth: 1,
  zone: 'UTC',
  threads: 2,
  ...extra,
});

/** one recording with three names (two customers), one with two names in one folder, and plain files */
function linkedTree(): string {
  const root = tempDir();
  const a = put(root, 'acme/2019/call-1.wav', wav({ tag: 7, dataBytes: 16000 }));
  linkSync(a, join(root, 'acme/2019/call-1-copy.wav'));
  put(root, 'beta/x.txt', 'x');
  linkSync(a, join(root, 'beta/call-1.wav'));
  const b = put(root, 'beta/call-2.wav', wav({ tag: 6, dataBytes: 8000 }));
  linkSync(b, join(root, 'beta/call-2b.wav'));
  // enough other files that the names land in different batches and threads
  for (let i = 0; i < 400; i++) put(root, `gamma/${String(i).padStart(3, '0')}.wav`, wav({ tag: 7, dataBytes: 800 }));
  return root;
}

describe('hard links', () => {
  it('a (device, inode) is counted once; the other names are hard_links of their rows; the same for every --threads', async () => {
    const root = linkedTree();
    const results = [];
    for (const threads of [0, 2, 3]) results.push(await scan(cfg(root, { threads })));
    const [r0] = results;
    for (const r of results.slice(1))
      expect({ c: r.customers, t: r.totals }).toEqual({ c: r0!.customers, t: r0!.totals });
    expect(r0!.totals.files).toBe(403);
    expect(r0!.totals.audioFiles).toBe(402);
    expect(r0!.totals.hardLinks).toBe(3);
    expect(r0!.totals.audioMicros / 1e6).toBeCloseTo(2 + 1 + 400 * 0.1, 3);
    const byName = Object.fromEntries(r0!.customers.map((c) => [c.customer, c]));
    // call-1 is counted in the row of the name the walk meets first (acme or beta, in the order the
    // root folder lists them): 4 names in acme + beta for 3 files
    const [acme, beta] = [byName.acme!, byName.beta!];
    expect(acme.files + acme.hardLinks).toBe(2);
    expect(beta.files + beta.hardLinks).toBe(4);
    expect(acme.files + beta.files).toBe(3);
    expect(acme.files).toBeLessThanOrEqual(1);
    expect(byName.gamma).toMatchObject({ files: 400, hardLinks: 0 });
  });

  it('the CSV has a hard_links column at the end; stderr says so once', () => {
    const root = linkedTree();
    const r = runCli([root, '--csv', '-']);
    expect(r.status).toBe(0);
    const head = r.stdout
      .replace(/^\uFEFF/, '')
      .split('\r\n')[0]!
      .split(',');
    expect(head.slice(-2)).toEqual(['unreadable_folders', 'hard_links']);
    const rows = csvObjects(r.stdout);
    const beta = rows.find((x) => x.customer === 'beta')!;
    expect(Number(beta.files) + Number(beta.hard_links)).toBe(4);
    expect(rows.find((x) => x.customer === 'gamma')).toMatchObject({ files: '400', hard_links: '0' });
    expect(r.stderr.match(/3 hard links/g)).toHaveLength(1);
  });
});
