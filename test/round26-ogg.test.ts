/**
 * Attack round 26a, the Ogg part: headers and pages ffmpeg 5.1's Ogg demuxer or decoder refuses, which
 * leaktally read past. Each file is ffmpeg's own with a byte or two changed and the page's checksum
 * made right again (or, for C1, deliberately wrong). ffmpeg decodes nothing of most of them; leaktally
 * counted them whole (ffmpeg's 1 h Opus: 3,600 s counted, 0 decoded).
 *  - C1: a beginning-of-stream page larger than the 4 KiB head escaped the checksum test;
 *  - C3: OpusHead version 16, 0 channels, 3 channels under mapping family 0;
 *  - C4: the Ogg FLAC mapping header's major version, its STREAMINFO block header's "last" bit;
 *  - C8: a page's stream structure version (byte 4) not 0; Speex's frame size with a high byte set;
 *  - C9: a page of a serial no header announced, an Opus page of negative granule, a continued OpusTags page;
 *  - H2: a Vorbis identification header of version 1, or of framing byte 0x81.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oggCrc } from '../src/scan/probe/ogg.js';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, decoded, ffmpeg, probe } from './decoded.js';

const dir = tempDir('leaktally-r26ogg-');

/** The file's pages, each a copy, by walking their lengths. */
function pages(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p + 27 <= b.length;) {
    const nsegs = b[p + 26]!;
    let len = 27 + nsegs;
    for (let k = 0; k < nsegs; k++) len += b[p + 27 + k]!;
    out.push(Buffer.from(b.subarray(p, p + len)));
    p += len;
  }
  return out;
}

/** The page's checksum made right. */
function fix(page: Buffer): Buffer {
  page.writeUInt32LE(oggCrc(page, 0, page.length), 22);
  return page;
}

/** A page of one packet, its flags, granule, serial and sequence number given, its checksum right. */
function onePacketPage(flags: number, granule: bigint, serial: number, seq: number, packet: Buffer): Buffer {
  const laces: number[] = [];
  let n = packet.length;
  for (; n >= 255; n -= 255) laces.push(255);
  laces.push(n);
  const h = Buffer.alloc(27 + laces.length);
  h.write('OggS', 0, 'latin1');
  h[5] = flags;
  h.writeBigInt64LE(granule, 6);
  h.writeUInt32LE(serial, 14);
  h.writeUInt32LE(seq, 18);
  h[26] = laces.length;
  laces.forEach((l, k) => (h[27 + k] = l));
  return fix(Buffer.concat([h, packet]));
}

/** The first packet of a page (its laces up to the first under 255). */
function firstPacket(page: Buffer): Buffer {
  const nsegs = page[26]!;
  let len = 0;
  for (let k = 0; k < nsegs; k++) {
    len += page[27 + k]!;
    if (page[27 + k]! < 255) break;
  }
  return page.subarray(27 + nsegs, 27 + nsegs + len);
}

/** A copy of `src` named `name`, its pages changed by `edit` (whose checksums it makes right itself). */
function edited(src: string, name: string, edit: (ps: Buffer[]) => void): string {
  const ps = pages(readFileSync(src));
  edit(ps);
  const out = join(dir, name);
  writeFileSync(out, Buffer.concat(ps));
  return out;
}

/** Byte `at` of the first packet of page k set to v, the checksum made right. */
function setHeaderByte(ps: Buffer[], k: number, at: number, v: number): void {
  ps[k]![27 + ps[k]![26]! + at] = v;
  fix(ps[k]!);
}

/** ffmpeg decodes nothing of it, and leaktally counts nothing: unreadable, with its reason. */
async function refused(path: string, why: RegExp): Promise<void> {
  expect(decoded(path), `${path}: ffmpeg decodes it`).toBe(0);
  const r = await probe(path);
  expect(r.kind, `${path}: ${JSON.stringify(r)}`).toBe('unreadable');
  expect(r.error ?? '').toMatch(why);
}

/** leaktally counts at most what ffmpeg decodes (and 20 ms). */
async function atMost(path: string): Promise<{ seconds: number; dec: number }> {
  const r = await probe(path);
  const dec = decoded(path);
  const seconds = r.kind === 'audio' ? (r.seconds ?? 0) : 0;
  expect(seconds, `${path}: ${JSON.stringify(r)}, ffmpeg decodes ${dec}`).toBeLessThanOrEqual(dec + 0.02);
  return { seconds, dec };
}

const noise = (d: number, rate = 8000): string[] => ['-f', 'lavfi', '-i', `anoisesrc=d=${d}:r=${rate}:a=0.2`];

describe('Ogg headers and pages ffmpeg refuses (round 26a C1, C3, C4, C8, C9, H2)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'libspeex')],
    'C1: a header page past the 4 KiB head has its checksum checked',
    async () => {
      for (const [codec, ext] of [
        ['libopus', 'opus'],
        ['libspeex', 'speex'],
        ['flac', 'flac'],
      ] as const) {
        const own = join(dir, `c1-${ext}.ogg`);
        ffmpeg(...noise(60), '-c:a', codec, '-f', 'ogg', own);
        // the header packet padded to 5 KB: one page longer than the head (the files are over 16 KiB)
        const big = (badCrc: boolean) =>
          edited(own, `c1-${ext}-${badCrc ? 'bad' : 'ok'}.ogg`, (ps) => {
            const p0 = ps[0]!;
            const pkt = Buffer.concat([firstPacket(p0), Buffer.alloc(5000)]);
            const page = onePacketPage(p0[5]!, p0.readBigInt64LE(6), p0.readUInt32LE(14), p0.readUInt32LE(18), pkt);
            if (badCrc) page[22]! ^= 1;
            ps[0] = page;
          });
        // its checksum right, ffmpeg decodes it all: so does leaktally
        await asDecoded(big(false), 0.05);
        // one bit of it wrong: ffmpeg drops the page and decodes nothing (counted 60 s)
        await refused(big(true), /checksum/);
      }
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'libspeex', 'libvorbis')],
    'C8: a page of stream structure version 1 is dropped',
    async () => {
      for (const [codec, ext, headers] of [
        ['libopus', 'opus', 2],
        ['libvorbis', 'vorbis', 2],
        ['libspeex', 'speex', 2],
      ] as const) {
        const own = join(dir, `c8-${ext}.ogg`);
        ffmpeg(...noise(60), '-c:a', codec, own);
        await asDecoded(own, 0.05);
        // the first page: no stream, nothing decodes (counted 60 s)
        await refused(
          edited(own, `c8-${ext}-p0.ogg`, (ps) => {
            ps[0]![4] = 1;
            fix(ps[0]!);
          }),
          /version/,
        );
        // every data page but the last: what the last holds, a second at most (counted 60 s)
        const mid = await atMost(
          edited(own, `c8-${ext}-mid.ogg`, (ps) => {
            for (let k = headers; k < ps.length - 1; k++) {
              ps[k]![4] = 1;
              fix(ps[k]!);
            }
          }),
        );
        expect(mid.dec, ext).toBeLessThan(2);
      }
    },
  );

  itWith(['ffmpeg', ffmpegEncoder('libspeex')], "C8: a Speex frame size ffmpeg's Ogg demuxer refuses", async () => {
    const own = join(dir, 'c8-fs.spx');
    ffmpeg(...noise(30), '-c:a', 'libspeex', '-f', 'ogg', own);
    await asDecoded(own, 0.05);
    // frame_size (offset 56) 0x800000 + 160: past INT32_MAX / 256 (counted 30 s)
    await refused(
      edited(own, 'c8-fs-b2.spx', (ps) => setHeaderByte(ps, 0, 58, 0x80)),
      /frame size/,
    );
  });

  itWith(['ffmpeg', ffmpegEncoder('libopus')], 'C3: OpusHead fields ffmpeg refuses', async () => {
    const own = join(dir, 'c3.opus');
    ffmpeg(...noise(60), '-c:a', 'libopus', '-f', 'ogg', own);
    for (const [tag, at, v, why] of [
      ['ver16', 8, 0x10, /version 16/],
      ['ch0', 9, 0, /0 channels/],
      ['ch3fam0', 9, 3, /family 0 of 3 channels/],
      ['fam7', 18, 7, /family 7/],
    ] as const)
      await refused(
        edited(own, `c3-${tag}.opus`, (ps) => setHeaderByte(ps, 0, at, v)),
        why,
      );
  });

  itWith(['ffmpeg', 'flac'], 'C4: an Ogg FLAC mapping header ffmpeg refuses (ffmpeg and the flac tool)', async () => {
    const wav = join(dir, 'c4.wav');
    ffmpeg(...noise(20, 16000), wav);
    const fromFfmpeg = join(dir, 'c4-ffmpeg.oga');
    ffmpeg('-i', wav, '-c:a', 'flac', '-f', 'ogg', fromFfmpeg);
    const fromTool = join(dir, 'c4-tool.oga');
    const { spawnSync } = await import('node:child_process');
    expect(spawnSync('flac', ['-s', '-f', '--ogg', wav, '-o', fromTool]).status).toBe(0);
    for (const own of [fromFfmpeg, fromTool]) {
      await asDecoded(own, 0.05);
      const base = own.slice(own.lastIndexOf('/') + 1, -4);
      // the major version (byte 5): 2, 0
      for (const v of [2, 0])
        await refused(
          edited(own, `${base}-major${v}.oga`, (ps) => setHeaderByte(ps, 0, 5, v)),
          /mapping version/,
        );
      // the STREAMINFO block header's "last metadata block" bit (byte 13)
      await refused(
        edited(own, `${base}-last.oga`, (ps) => setHeaderByte(ps, 0, 13, 0x80)),
        /block header/,
      );
    }
  });

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'libvorbis')],
    "C9: a page that ends ffmpeg's read ends the count",
    async () => {
      const own = join(dir, 'c9.opus');
      ffmpeg(...noise(60), '-c:a', 'libopus', '-b:a', '6k', '-f', 'ogg', own);
      for (const k of [2, 5]) {
        // a serial no header announced (counted 59 s; ffmpeg decodes what comes before)
        const serial = await atMost(
          edited(own, `c9-serial-p${k}.opus`, (ps) => {
            ps[k]![14]! ^= 1;
            fix(ps[k]!);
          }),
        );
        expect(serial.dec).toBeLessThan(5);
        // a negative granule (counted 60 s)
        const neg = await atMost(
          edited(own, `c9-gneg-p${k}.opus`, (ps) => {
            ps[k]![13]! ^= 0x80;
            fix(ps[k]!);
          }),
        );
        expect(neg.dec).toBeLessThan(5);
        if (k === 2) {
          expect(serial.seconds).toBe(0);
          expect(neg.seconds).toBe(0);
        }
      }
      // the OpusTags page flagged "continued": ffmpeg drops its packet and refuses the stream (counted 60 s)
      await refused(
        edited(own, 'c9-cont.opus', (ps) => {
          ps[1]![5]! |= 1;
          fix(ps[1]!);
        }),
        /OpusTags/,
      );
      // Vorbis decodes on past a negative granule (ffmpeg's Opus demuxer alone stops): still counted whole
      const vorbis = join(dir, 'c9.ogg');
      ffmpeg(...noise(30), '-c:a', 'libvorbis', vorbis);
      await asDecoded(
        edited(vorbis, 'c9-vorbis-gneg.ogg', (ps) => {
          ps[5]![13]! ^= 0x80;
          fix(ps[5]!);
        }),
        0.05,
      );
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libvorbis')],
    "H2: a Vorbis identification header ffmpeg's Ogg demuxer refuses",
    async () => {
      const own = join(dir, 'h2.ogg');
      ffmpeg(...noise(60), '-c:a', 'libvorbis', own);
      await asDecoded(own, 0.05);
      // version 1 (bytes 7-10), framing byte 0x81 (byte 29): counted 60 s
      await refused(
        edited(own, 'h2-ver1.ogg', (ps) => setHeaderByte(ps, 0, 7, 1)),
        /version 1/,
      );
      await refused(
        edited(own, 'h2-framing.ogg', (ps) => setHeaderByte(ps, 0, 29, 0x81)),
        /framing 129/,
      );
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'libvorbis', 'libspeex')],
    "the header-field fuzz's Ogg rows: page flags, header order, channels, STREAMINFO",
    async () => {
      const opus = join(dir, 'hf.opus');
      ffmpeg(...noise(8), '-c:a', 'libopus', '-f', 'ogg', opus);
      // the OpusHead page's flags cleared: ffmpeg reads an OpusHead only on a beginning-of-stream page
      const noBos = edited(opus, 'hf-nobos.opus', (ps) => {
        ps[0]![5] = 0;
        fix(ps[0]!);
      });
      expect(decoded(noBos)).toBe(0);
      expect((await probe(noBos)).kind).toBe('unreadable');
      // a Speex header page flagged continued: ffmpeg drops the header ("speex packet too small")
      const spx = join(dir, 'hf.spx');
      ffmpeg(...noise(8), '-c:a', 'libspeex', '-f', 'ogg', spx);
      await refused(
        edited(spx, 'hf-cont.spx', (ps) => {
          ps[0]![5]! |= 1;
          fix(ps[0]!);
        }),
        /continued/,
      );
      // a first page of flags over 7 in an .oga: ffmpeg's probe does not take it as Ogg
      const oga = join(dir, 'hf.oga');
      ffmpeg(...noise(8), '-c:a', 'flac', '-f', 'ogg', oga);
      await refused(
        edited(oga, 'hf-flags.oga', (ps) => {
          ps[0]![5]! |= 0x80;
          fix(ps[0]!);
        }),
        /flags/,
      );
      // Vorbis: the comment packet's type byte 0 (headers must come 1, 3, 5), and 65 channels (ffmpeg
      // outputs at most 64; 64 decodes with -f null, though not to the mono this judge asks for)
      const vorbis = join(dir, 'hf.ogg');
      ffmpeg(...noise(8), '-c:a', 'libvorbis', vorbis);
      await refused(
        edited(vorbis, 'hf-type.ogg', (ps) => setHeaderByte(ps, 1, 0, 0)),
        /type 0/,
      );
      await refused(
        edited(vorbis, 'hf-ch65.ogg', (ps) => setHeaderByte(ps, 0, 11, 65)),
        /65 channels/,
      );
      // Ogg FLAC: STREAMINFO's largest block 8 (the decoder does not open), and its rate's low byte
      // changed (the frames state 8 kHz: ffmpeg decodes at theirs; counted by the granules, 15.6 s of 8)
      await refused(
        edited(oga, 'hf-maxbs.oga', (ps) => {
          setHeaderByte(ps, 0, 17 + 2, 0);
          setHeaderByte(ps, 0, 17 + 3, 8);
        }),
        /largest block 8/,
      );
      const rate = await atMost(edited(oga, 'hf-rate.oga', (ps) => setHeaderByte(ps, 0, 17 + 11, 0)));
      // a byte of the first frame's header (its CRC-8 fails): ffmpeg drops the frame (counted 8 s by
      // the granules, 7.93 decoded)
      const frame = await atMost(
        edited(oga, 'hf-frame.oga', (ps) => setHeaderByte(ps, 2, 2, ps[2]![27 + ps[2]![26]! + 2]! ^ 0x10)),
      );
      expect(frame.dec).toBeLessThan(7.99);
      expect(rate.dec).toBeGreaterThan(7);
      expect(rate.seconds).toBeGreaterThan(7);
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libopus', 'libvorbis', 'libtheora'), 'sox'],
    "real encoders' files still count what ffmpeg decodes",
    async () => {
      const wav = join(dir, 'real.wav');
      ffmpeg(...noise(25, 44100), '-ac', '2', wav);
      const made: string[] = [];
      const make = (name: string, ...args: string[]) => {
        const out = join(dir, name);
        ffmpeg('-i', wav, ...args, out);
        made.push(out);
      };
      make('r-opus6.ogg', '-ac', '6', '-c:a', 'libopus', '-mapping_family', '1');
      make('r-vorbis.ogg', '-c:a', 'libvorbis', '-q:a', '5');
      make('r-flac.oga', '-c:a', 'flac', '-f', 'ogg');
      make('r-speex.spx', '-ac', '1', '-ar', '16000', '-c:a', 'libspeex', '-f', 'ogg');
      const { spawnSync } = await import('node:child_process');
      const sox = join(dir, 'r-sox.ogg');
      expect(spawnSync('sox', [wav, sox]).status).toBe(0);
      made.push(sox);
      // Theora and Vorbis (two streams: the video's pages are not a stream no header announced)
      const ogv = join(dir, 'r-theora.ogv');
      ffmpeg(
        '-f',
        'lavfi',
        '-i',
        'testsrc=d=10:s=160x120',
        '-i',
        wav,
        '-t',
        '10',
        '-c:v',
        'libtheora',
        '-c:a',
        'libvorbis',
        ogv,
      );
      made.push(ogv);
      for (const f of made) await asDecoded(f, 0.05);
    },
  );
});
