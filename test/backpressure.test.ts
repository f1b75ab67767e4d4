/**
 * The manifest's back-pressure: a slow output (a reader of `--files -` that does not keep up, a slow
 * disk) makes the scan wait instead of piling records up in memory; an output error is kept and
 * reported, never left to unhook a pipe silently.
 */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
// the built engine: its reader threads load dist/scan/read/worker.js
import { Scanner } from '../dist/scan/engine.js';
import { ManifestWriter } from '../src/report/write/manifest.js';
import type { FileRecord } from '../src/scan/model.js';
import { put, tempDir } from './helpers.js';

/** A writable that accepts chunks but finishes none until release() (a reader that stopped reading). */
function stuckOutput(): { out: Writable; release: () => void; bytes: () => number } {
  const held: (() => void)[] = [];
  let bytes = 0;
  let stuck = true;
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (stuck) held.push(() => cb());
      else cb();
    },
  });
  return {
    out,
    bytes: () => bytes,
    release: () => {
      stuck = false;
      for (const f of held.splice(0)) f();
    },
  };
}

const record = (i: number): FileRecord => ({
  path: `kund/${'n'.repeat(200)}-${i}.wav`,
  customer: 'kund',
  row: 'customer',
  kind: 'other',
  bytes: 1,
});

describe('manifest back-pressure', () => {
  it('waitForRoom() holds while the output is behind and lets go when it drains', async () => {
    const o = stuckOutput();
    const m = new ManifestWriter(o.out, 'UTC');
    expect(m.waitForRoom()).toBeUndefined();
    for (let i = 0; i < 500; i++) m.add(record(i));
    await new Promise((r) => setImmediate(r));
    const wait = m.waitForRoom();
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => (released = true));
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false);
    o.release();
    await wait;
    await m.end();
    expect(o.bytes()).toBeGreaterThan(500 * 200);
  });
  it('an output error is kept, reported once, and end() still ends', async () => {
    const errors: Error[] = [];
    const out = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('no space'), { code: 'ENOSPC' })) });
    const m = new ManifestWriter(out, 'UTC', ',', { onError: (e) => errors.push(e) });
    for (let i = 0; i < 50; i++) m.add(record(i));
    await m.end();
    expect(errors).toHaveLength(1);
    expect((m.failure as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(m.waitForRoom()).toBeUndefined();
  });
  for (const threads of [0, 1]) {
    it(`the scan's walk waits for the output (threads ${threads})`, async () => {
      const root = tempDir();
      for (let i = 0; i < 2_000; i++) put(root, `kund/${i}.txt`, 'x');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let asked!: () => void;
      const waiting = new Promise<void>((r) => (asked = r));
      let calls = 0;
      const scanner = new Scanner(
        { root, depth: 1, zone: 'UTC', threads },
        () => {},
        () => {
          calls++;
          asked();
          return calls === 1 ? gate : undefined; // behind once, then keeping up
        },
      );
      const done = scanner.run();
      await waiting;
      // held at its first pause: it has found one walk step of files (256), not the 2,000
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- the count now, not the last published snapshot's
      expect(scanner.progress().found).toBe(256);
      release();
      const result = await done;
      expect(result.totals.files).toBe(2_000);
    });
  }
});
