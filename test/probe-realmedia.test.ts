/**
 * RealMedia (".RMF"): recognised and never measured. Files made here with ffmpeg's RealMedia muxer
 * (RealAudio 1.0 and RealVideo 1.0 encoders): one holding audio is unreadable with the reason, one
 * holding only video is other, "video, no audio track", and a copy cut inside its headers is
 * unreadable; none is `other` without a reason, as they were.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeFile } from '../src/scan/probe/index.js';
import { put, tempDir } from './helpers.js';
import { describeWith, ffmpegEncoder } from './needs.js';

const dir = tempDir('leaktally-rm-');

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args]);
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${String(r.stderr)}`);
}

/** seconds ffmpeg decodes from the file (8 kHz mono s16) */
function decoded(file: string): number {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-ar', '8000', '-'], {
    maxBuffer: 1 << 26,
  });
  return r.stdout.length / 2 / 8000;
}

const sine = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=5'];
const video = ['-f', 'lavfi', '-i', 'testsrc=d=3:s=64x48:r=5'];
const audioOut = ['-c:a', 'real_144', '-ar', '8000', '-ac', '1'];
const AUDIO_REASON = /^RealMedia: an audio stream whose length is not measured/;

describeWith(['ffmpeg', ffmpegEncoder('real_144', 'rv10')], 'RealMedia', () => {
  it('one holding audio (.ra and .rm) is unreadable, saying what it is and why it is not counted', async () => {
    for (const name of ['call.ra', 'call.rm']) {
      const f = join(dir, name);
      ffmpeg([...sine, ...audioOut, '-f', 'rm', f]);
      expect(readFileSync(f).toString('latin1', 0, 4)).toBe('.RMF');
      // real audio that a decoder plays: a recording to keep in view, not `other`
      expect(decoded(f)).toBeGreaterThan(4.5);
      const p = (await probeFile(f, name)).probe;
      expect(p).toMatchObject({ kind: 'unreadable', codec: 'REALMEDIA' });
      expect(p.error).toMatch(AUDIO_REASON);
      expect(p.seconds).toBeUndefined();
    }
  });

  it('one with video and audio is unreadable as well; one with video only is other, "video, no audio track"', async () => {
    const av = join(dir, 'both.rm');
    ffmpeg([...video, ...sine, '-c:v', 'rv10', ...audioOut, '-shortest', av]);
    const both = (await probeFile(av, 'both.rm')).probe;
    expect(both.kind).toBe('unreadable');
    expect(both.error).toMatch(AUDIO_REASON);

    const v = join(dir, 'film.rm');
    ffmpeg([...video, '-c:v', 'rv10', v]);
    expect((await probeFile(v, 'film.rm')).probe).toEqual({
      kind: 'other',
      codec: 'REALMEDIA',
      error: 'video, no audio track',
    });
  });

  it('a copy cut inside its headers, before any stream header, is unreadable with a reason', async () => {
    const f = join(dir, 'whole.rm');
    ffmpeg([...sine, ...audioOut, '-f', 'rm', f]);
    const cut = put(dir, 'cut.rm', readFileSync(f).subarray(0, 60));
    expect((await probeFile(cut, 'cut.rm')).probe).toEqual({
      kind: 'unreadable',
      codec: 'REALMEDIA',
      error: 'RealMedia: no stream header found',
    });
  });
});
