/**
 * Attack round 23 (the residues round 22 left): a raw telephony file with no block allocated at all.
 * A file with some blocks counts only those (round 22, H8); one with none was taken as "unknown"
 * (inline data, or a FUSE mount that reports no blocks) and counted its size: a 1 GB hole named .g726
 * counted 250,000 s. Now a file of 64 KiB or more with no block whose head and 16 windows drawn at
 * random read as zeros is a hole: unreadable, through probeFile and through the CLI's batch reads.
 * A file with data and no blocks (FUSE) cannot be made here; a file with data counts as before.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeFile } from '../src/scan/probe/index.js';
import { csvObjects, put, runCli, tempDir } from './helpers.js';

const dir = tempDir('leaktally-r23-');
const probe = async (path: string) => (await probeFile(path, path)).probe;

describe('a raw file with no block allocated', () => {
  it('is a hole: unreadable, not its size at the codec rate (round 22 residue: 250,000 s)', async (ctx) => {
    const hole = join(dir, 'hole.g726');
    writeFileSync(hole, '');
    truncateSync(hole, 1_000_000_000);
    if (statSync(hole).blocks !== 0) ctx.skip('this file system allocates blocks to a hole');
    const r = await probe(hole);
    expect(r).toMatchObject({
      kind: 'unreadable',
      error: expect.stringMatching(/none of its 1000000000 bytes is allocated/),
    });
    // the other names read by their bytes, and a header-bearing name with nothing in it
    for (const name of ['hole.ul', 'hole.vox', 'hole.pcma', 'hole.sln16']) {
      const f = join(dir, name);
      writeFileSync(f, '');
      truncateSync(f, 200_000_000);
      expect((await probe(f)).kind, name).not.toBe('audio');
    }
  });

  it('through the CLI (batch reads): the row is unreadable and the customer not counted', () => {
    const tree = join(dir, 'tree');
    put(tree, 'acme/2024/real.ul', Buffer.alloc(80_000, 0x5d)); // 10 s of µ-law
    const hole = put(tree, 'acme/2024/hole.ul', '');
    truncateSync(hole, 500_000_000);
    const files = join(dir, 'files.csv');
    const csv = join(dir, 'summary.csv');
    const r = runCli([tree, '--files', files, '--csv', csv]);
    expect(r.status, r.stderr).toBe(0); // read, found unreadable: a row of its own, not a gap of the scan
    const rows = csvObjects(readFileSync(files, 'utf8'));
    const row = rows.find((x) => (x.path ?? '').endsWith('hole.ul'))!;
    expect(row.kind).toBe('unreadable');
    // one reason, not "counted at its size" beside it
    expect(row.error).toBe('sparse: none of its 500000000 bytes is allocated (a hole)');
    const real = rows.find((x) => (x.path ?? '').endsWith('real.ul'))!;
    expect(Number(real.seconds)).toBeCloseTo(10, 3);
    const acme = csvObjects(readFileSync(csv, 'utf8')).find((x) => x.customer === 'acme')!;
    expect(acme).toMatchObject({ audio_files: '1', unreadable_files: '1', audio_seconds: '10' });
  });

  it('a file of zeros with its blocks allocated still counts (a hole is told by its blocks, not its bytes)', async () => {
    const f = join(dir, 'zeros.ul');
    writeFileSync(f, Buffer.alloc(200_000));
    expect(statSync(f).blocks).toBeGreaterThan(0);
    expect(await probe(f)).toMatchObject({ kind: 'audio', seconds: 25 });
  });
});
