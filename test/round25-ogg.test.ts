/**
 * Attack round 25d: Ogg pages whose checksum fails. ffmpeg's ogg_read_page drops such a page ("CRC
 * mismatch") and reads on from the next capture pattern: a data page's packets are lost, a header page
 * leaves no stream (nothing decodes), and Opus without its OpusTags packet is refused. leaktally took
 * every page: a 1 h Opus file with one bit flipped in each page's checksum counted 3,600 s, 0.013 s
 * decoded; one bit of the first page's checksum 3,600 s of nothing.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, atMostDecoded, ffmpeg } from './decoded.js';

const dir = tempDir('leaktally-r25ogg-');

/** where each page starts */
function pages(b: Buffer): number[] {
  const out: number[] = [];
  for (let p = b.indexOf('OggS'); p >= 0; p = b.indexOf('OggS', p + 4)) out.push(p);
  return out;
}

/** a copy of the file with one bit of the checksum of the pages chosen flipped */
function flipped(path: string, name: string, pick: (i: number, n: number) => boolean): string {
  const b = readFileSync(path);
  const at = pages(b);
  at.forEach((p, i) => {
    if (pick(i, at.length)) b[p + 22]! ^= 1;
  });
  const out = join(dir, name);
  writeFileSync(out, b);
  return out;
}

describe('Ogg pages whose checksum fails are dropped, as ffmpeg drops them (round 25d C1, C2)', () => {
  itWith(['ffmpeg', ffmpegEncoder('libopus', 'libvorbis')], 'Opus and Vorbis: data pages, header pages', async () => {
    for (const [codec, ext, headers] of [
      ['libopus', 'opus', 2],
      ['libvorbis', 'vorbis', 3],
    ] as const) {
      const own = join(dir, `${ext}.ogg`);
      ffmpeg('-f', 'lavfi', '-i', 'anoisesrc=d=60:r=8000:a=0.2', '-c:a', codec, own);
      await asDecoded(own, 0.05);
      // every data page but the last: what the last holds (it counted 60 s)
      const mid = flipped(own, `${ext}-mid.ogg`, (i, n) => i >= headers && i < n - 1);
      const m = await atMostDecoded(mid, 0.05);
      expect(m.dec).toBeLessThan(5);
      // the first page (the stream's header), and the second (Opus's OpusTags, Vorbis's comments)
      for (const k of [0, 1]) {
        const h = await atMostDecoded(
          flipped(own, `${ext}-h${k}.ogg`, (i) => i === k),
          0.05,
        );
        expect(h.dec, `${ext} page ${k}`).toBe(0);
      }
    }
  });
});
