/**
 * The judge the probe tests share: ffmpeg to make files, ffmpeg's decoded length of a file, and
 * what leaktally's probe makes of it.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { probeFile } from '../src/scan/probe/index.js';
import type { ProbeResult } from '../src/scan/probe/types.js';

/** Run ffmpeg quietly, overwriting; throws with its message when it fails. */
export function ffmpeg(...args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${String(r.stderr)}`);
}

/** ffmpeg's decoded length (the judge): samples of its first audio stream at 8 kHz mono. */
export function decoded(path: string): number {
  const r = spawnSync(
    'ffmpeg',
    ['-v', 'quiet', '-i', path, '-map', '0:a:0', '-f', 's16le', '-ac', '1', '-ar', '8000', '-'],
    { maxBuffer: 1 << 28 },
  );
  return r.stdout.length / 2 / 8000;
}

/** What the probe makes of a file, named by its base name. */
export async function probe(path: string): Promise<ProbeResult> {
  return (await probeFile(path, path.slice(path.lastIndexOf('/') + 1))).probe;
}

/** A real file: the probe counts what ffmpeg decodes, within tolerance seconds. */
export async function asDecoded(path: string, tolerance = 0.1): Promise<void> {
  const r = await probe(path);
  const dec = decoded(path);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('audio');
  expect(Math.abs(r.seconds! - dec), `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(
    tolerance,
  );
}

/** The judge's bound on a forged file: the probe counts at most what ffmpeg decodes and `slack` seconds. */
export async function atMostDecoded(path: string, slack = 0.5): Promise<{ r: ProbeResult; dec: number }> {
  const r = await probe(path);
  const dec = decoded(path);
  expect(r.seconds ?? 0, `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(dec + slack);
  return { r, dec };
}
