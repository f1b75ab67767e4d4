/**
 * Attack round 29a C1, C2: a 32-byte APEv2 footer appended to a real Musepack SV8 or WavPack file,
 * its tag size reaching back over the audio. ffmpeg's mpc8 and wv demuxers stop at a packet or block
 * that starts at the tag's start (ff_ape_parse_tag); leaktally read every one: mpcenc's and the
 * wavpack CLI's 1 h files counted 3,598 and 3,597 s where ffmpeg decodes 2.3 and 4 s.
 */
import { describe, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { itWith, MPCENC } from './needs.js';
import { asDecoded, atMostDecoded, ffmpeg } from './decoded.js';

const dir = tempDir('leaktally-r29files-');

/** A WAV of tones and noise made by ffmpeg. */
function wav(name: string, seconds: number, rate: number): string {
  const out = join(dir, name);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `aevalsrc=exprs='0.3*sin(2*PI*(300+200*sin(t))*t)+0.05*(random(0)-0.5)':s=${rate}:d=${seconds}`,
    out,
  );
  return out;
}

function run(cmd: string, ...args: string[]): void {
  const r = spawnSync(cmd, args);
  expect(r.status, `${cmd} ${args.join(' ')}: ${String(r.stderr)}`).toBe(0);
}

/** A copy of real with an APEv2 footer whose tag (items and footer) starts at byte `from`: its path. */
function footed(real: string, name: string, from: number): string {
  const out = join(dir, name);
  copyFileSync(real, out);
  const size = statSync(real).size + 32;
  const f = Buffer.alloc(32);
  f.write('APETAGEX', 0, 'latin1');
  f.writeUInt32LE(2000, 8);
  f.writeUInt32LE(size - from, 12);
  appendFileSync(out, f);
  return out;
}

/** The real file, an honest empty tag, and tags reaching back to byte 100 and to half: counted as decoded. */
async function judged(real: string, ext: string): Promise<void> {
  await asDecoded(real, 0.05);
  await asDecoded(footed(real, `honest.${ext}`, statSync(real).size), 0.05);
  for (const [name, from] of [
    [`first100.${ext}`, 100],
    [`half.${ext}`, Math.floor(statSync(real).size / 2)],
  ] as const) {
    // before: the whole file's 60 s counted
    const { r, dec } = await atMostDecoded(footed(real, name, from), 0.05);
    expect(dec, name).toBeLessThan(40);
    expect(r.seconds!, name).toBeCloseTo(dec, 1);
  }
}

describe('an APEv2 footer reaching back over the audio (attack round 29a)', () => {
  itWith(['ffmpeg', MPCENC], 'C1: Musepack SV8 is counted to the tag start, as ffmpeg reads it', async () => {
    const real = join(dir, 'a.mpc');
    run('mpcenc', '--silent', '--overwrite', wav('m.wav', 60, 44100), real);
    await judged(real, 'mpc');
  });
  itWith(['ffmpeg', 'wavpack'], 'C2: WavPack is counted to the tag start, as ffmpeg reads it', async () => {
    const real = join(dir, 'a.wv');
    run('wavpack', '-q', '-y', '-b24', wav('w.wav', 60, 8000), '-o', real);
    await judged(real, 'wv');
  });
});
