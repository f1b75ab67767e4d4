/**
 * Round 23b's part-B leftovers on what the outputs say about gaps, each reproduced on a tree made here
 * and the built CLI (or the built modules):
 *  1. a run whose only gap was a row's own files (an archive, an encrypted copy, a hard link to a file
 *     counted in another customer's folder: round 23b H2, H3) exited 0 while that row said
 *     "incomplete"; every other incomplete run exits 3.
 */
import { describe, expect, it } from 'vitest';
import { linkSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvObjects, parseSummary, put, runCli, tempDir, wav } from './helpers.js';

/** a WAV of n seconds, 8 kHz 16-bit mono PCM */
const secs = (n: number): Buffer => wav({ tag: 1, rate: 8000, channels: 1, bits: 16, dataBytes: 16000 * n });
/** the head of a ZIP archive (what an archive of a customer's calls looks like to the probe: other) */
const zip = (): Buffer => Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]);

/** A register of these keys, each its own controller ("<key> AB"). */
function register(dir: string, keys: string[]): string {
  return put(dir, 'reg.csv', `key,controller\n${keys.map((k) => `${k},${k} AB`).join('\n')}\n`);
}

/** The run's CSV rows, JSON summary, exit code and stderr. */
function run(root: string, extra: string[] = []) {
  const out = tempDir();
  const r = runCli([root, '--csv', join(out, 's.csv'), '--json', join(out, 's.json'), ...extra]);
  const read = r.status === 0 || r.status === 3;
  const rows = read ? csvObjects(readFileSync(join(out, 's.csv'), 'utf8')) : [];
  return {
    r,
    row: (key: string) => rows.find((x) => x.customer === key || x.controller === key),
    json: read ? parseSummary(readFileSync(join(out, 's.json'), 'utf8')) : undefined,
  };
}

describe('1: a row incomplete only for its own files makes the run incomplete (exit 3)', () => {
  /** an archive, an encrypted copy, a hard link: each alone in a folder beside one with recordings */
  const trees: [string, (root: string) => void][] = [
    ['an archive', (root) => put(root, 'beta/2024/calls.zip', zip())],
    ['an encrypted file', (root) => put(root, 'beta/2024/call1.wav.gpg', Buffer.alloc(5000, 0xa5))],
    [
      'a hard link to a file counted in another folder',
      (root) => {
        mkdirSync(join(root, 'beta/2024'), { recursive: true });
        linkSync(join(root, 'acme/2024/call.wav'), join(root, 'beta/2024/call.wav'));
      },
    ],
  ];
  for (const [what, make] of trees)
    for (const withRegister of [false, true])
      it(`${what}${withRegister ? ', with a register' : ''}: exit 3, one line saying why; --allow-incomplete 0`, () => {
        const base = tempDir();
        const root = join(base, 'tree');
        // acme is read first (the walk's order is by name), so that a hard link is counted there
        put(root, 'acme/2024/call.wav', secs(2));
        make(root);
        const reg = withRegister ? ['--register', register(base, ['acme', 'beta'])] : [];
        const { r, row, json } = run(root, reg);
        expect(r.status).toBe(3);
        const beta = row(withRegister ? 'beta AB' : 'beta')!;
        expect(beta.completeness).toMatch(/^incomplete: 1 (other file|file of its folder)/);
        expect(row(withRegister ? 'acme AB' : 'acme')!.completeness).toBe('complete');
        // the run, as every other gap: one line on stderr, the total row and the JSON's run incomplete
        const line = r.stderr.split('\n').filter((l) => l.startsWith('leaktally: incomplete'));
        expect(line).toEqual([
          expect.stringMatching(
            /^leaktally: incomplete: 1 row of the summary holds files not counted as recordings that may hold some .*\(exit 3; --allow-incomplete exits 0\)$/,
          ),
        ]);
        // the controller's name is not written where a controller reads (the CSV cell holds counts only)
        expect(row('(total)')!.completeness).toMatch(
          /^incomplete: 1 row of the summary holds files not counted as recordings/,
        );
        expect(json!.completeness).toMatch(/^incomplete: 1 row of the summary holds files not counted as recordings/);
        expect(run(root, [...reg, '--allow-incomplete']).r.status).toBe(0);
      });

  /** logs and notes beside recordings are no gap: the run stays complete (exit 0) */
  it('a row with recordings and a text file: complete, exit 0', () => {
    const root = join(tempDir(), 'tree');
    put(root, 'acme/2024/call.wav', secs(2));
    put(root, 'acme/2024/notes.txt', 'called back on Monday\n');
    const { r, row } = run(root);
    expect(r.status).toBe(0);
    expect(row('acme')!.completeness).toBe('complete');
  });
});
