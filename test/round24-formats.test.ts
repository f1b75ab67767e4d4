/**
 * Attack round 24a, H5: real encoders' files of five formats were counted 0 (`other`, or unreadable
 * because music-metadata has no reader) while ffmpeg decodes them whole: NIST SPHERE (sox), VOC
 * (ffmpeg, sox), 8SVX (sox), raw DTS (ffmpeg) and FLV (ffmpeg: AAC, MP3, Nellymoser, Speex, SWF ADPCM,
 * PCM, A-law). Each is now read by hand as ffmpeg 5.1's demuxer and decoder read it: a real file counts
 * what ffmpeg decodes, and a forged one (a header's claim, junk, a codec ffmpeg refuses) at most that.
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { ffmpeg, decoded, probe, asDecoded, atMostDecoded } from './decoded.js';

const dir = tempDir('leaktally-r24fmt-');
const SECONDS = 10;

/** A tone made by ffmpeg (rate Hz, channels) and encoded with these options into `name`. */
function tone(name: string, rate: number, channels: number, ...opts: string[]): string {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:r=${rate}:d=${SECONDS}`, '-ac', String(channels), ...opts, out);
  return out;
}

/** sox's conversion of a 16 kHz mono tone into `name` with these output options. */
function soxed(name: string, ...opts: string[]): string {
  const src = tone('sox-src.wav', 16000, 1);
  const out = join(dir, name);
  const r = spawnSync('sox', [src, ...opts, out]);
  if (r.status !== 0) throw new Error(`sox: ${String(r.stderr)}`);
  return out;
}

function write(name: string, ...parts: Buffer[]): string {
  const out = join(dir, name);
  writeFileSync(out, Buffer.concat(parts));
  return out;
}

/** Bytes that are not silence (a decoder's output of them is not all zeros). */
function noise(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7919 + (i >> 3) * 31) & 0xff;
  return b;
}

// ---------------------------------------------------------------- NIST SPHERE

/** A SPHERE header of these fields, padded to 1,024 bytes. */
function sphere(fields: string[]): Buffer {
  const h = Buffer.alloc(1024, 0x20);
  h.write(['NIST_1A', '   1024', ...fields, 'end_head', ''].join('\n'), 'latin1');
  return h;
}

describe("NIST SPHERE (round 24a H5: sox's files were `other`)", () => {
  itWith(['ffmpeg', 'sox'], "sox's PCM and µ-law SPHERE count what ffmpeg decodes", async () => {
    await asDecoded(soxed('pcm.sph', '-t', 'sph'));
    await asDecoded(soxed('ulaw.sph', '-t', 'sph', '-e', 'u-law', '-r', '8000'));
  });

  itWith(['ffmpeg'], "the samples present, never the header's sample_count beyond them", async () => {
    const data = noise(16000);
    const fields = ['sample_n_bytes -i 2', 'channel_count -i 1', 'sample_rate -i 8000', 'sample_coding -s3 pcm'];
    // a count of 1,000 s over 1 s of samples: what is there
    const big = write('big.sph', sphere(['sample_count -i 8000000', ...fields]), data);
    await asDecoded(big);
    expect((await probe(big)).error).toMatch(/cut off/);
    // a count under the samples: at most the count (ffmpeg decodes all: the count is a claim)
    const small = write('small.sph', sphere(['sample_count -i 4000', ...fields]), data);
    expect((await probe(small)).seconds).toBeCloseTo(0.5, 5);
    await atMostDecoded(small);
    // µ-law by its byte format, as ffmpeg takes it
    const mu = write(
      'mu.sph',
      sphere(['sample_n_bytes -i 1', 'channel_count -i 1', 'sample_rate -i 8000', 'sample_byte_format -s6 mu-law']),
      data,
    );
    await asDecoded(mu);
    // a header of 8 KiB, past the 4 KiB head: read to its stated size
    const long = Buffer.alloc(8192, 0x20);
    const comments = Array.from({ length: 100 }, (_, i) => `comment_${i} -s40 ${'x'.repeat(40)}`);
    long.write(
      ['NIST_1A', '   8192', ...comments, 'sample_count -i 8000', ...fields, 'end_head', ''].join('\n'),
      'latin1',
    );
    await asDecoded(write('long.sph', long, data));
  });

  itWith(['ffmpeg'], 'a coding it does not measure, or no sample size, is unreadable', async () => {
    const shn = write(
      'shn.sph',
      sphere([
        'sample_count -i 8000',
        'sample_n_bytes -i 2',
        'channel_count -i 1',
        'sample_rate -i 8000',
        'sample_coding -s26 pcm,embedded-shorten-v2.00',
      ]),
      noise(16000),
    );
    expect(await probe(shn)).toMatchObject({ kind: 'unreadable', error: expect.stringMatching(/embedded-shorten/) });
    const none = write(
      'none.sph',
      sphere(['sample_count -i 8000', 'channel_count -i 1', 'sample_rate -i 8000']),
      noise(16000),
    );
    expect((await probe(none)).kind).toBe('unreadable');
    expect(decoded(none)).toBe(0);
  });
});

// ---------------------------------------------------------------- VOC

const VOC_HEADER = Buffer.concat([
  Buffer.from('Creative Voice File\x1a', 'latin1'),
  Buffer.from([26, 0, 0x0a, 0x01, 0x29, 0x11]),
]);

/** A VOC block: its type, a 24-bit size, its bytes. */
function block(type: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUIntLE(body.length, 1, 3);
  return Buffer.concat([h, body]);
}

describe("VOC (round 24a H5: ffmpeg's and sox's files were unreadable)", () => {
  itWith(['ffmpeg', 'sox'], "ffmpeg's and sox's VOC count what ffmpeg decodes", async () => {
    // (ffmpeg's 8-bit VOC is at 1,000,000 / (256 − 193) = 15,873 Hz: 10.08 s decoded, as counted)
    await asDecoded(tone('u8.voc', 16000, 1, '-c:a', 'pcm_u8'));
    await asDecoded(tone('s16.voc', 16000, 1, '-c:a', 'pcm_s16le'));
    await asDecoded(tone('mulaw.voc', 8000, 1, '-c:a', 'pcm_mulaw'));
    await asDecoded(soxed('sox16.voc', '-b', '16'));
    await asDecoded(soxed('sox8st.voc', '-b', '8', '-e', 'unsigned', '-c', '2'));
  });

  itWith(
    ['ffmpeg'],
    "the first voice block's rate and codec hold for all; silence and a codec ffmpeg lacks count nothing",
    async () => {
      // a type 8 block's rate and channels for the type 1 block after it; a later block's rate byte
      // (4 kHz) and codec (16-bit) ignored, as ffmpeg does; a silence block decodes nothing
      const rate16 = 65536 - Math.floor(256_000_000 / (2 * 22050));
      const ext = Buffer.from([rate16 & 0xff, rate16 >> 8, 0, 1]);
      const f = write(
        'blocks.voc',
        VOC_HEADER,
        block(8, ext),
        block(1, Buffer.concat([Buffer.from([0xa6, 0]), noise(44100)])),
        block(3, Buffer.from([0xff, 0xff, 0x06])),
        block(1, Buffer.concat([Buffer.from([6, 4]), noise(8000)])),
        block(2, noise(3001)),
        Buffer.from([0]),
      );
      await asDecoded(f, 0.01);
      // codec 5 is in no ffmpeg table; data before any voice block has no rate: both decode nothing
      const unknown = write('unknown.voc', VOC_HEADER, block(1, Buffer.concat([Buffer.from([0x83, 5]), noise(8000)])));
      expect((await probe(unknown)).kind).toBe('unreadable');
      const early = write('early.voc', VOC_HEADER, block(2, noise(80000)));
      expect((await probe(early)).kind).toBe('unreadable');
      expect(decoded(unknown) + decoded(early)).toBe(0);
      // Creative 4-bit ADPCM (type 9, codec 0x200): two samples a byte
      const ct = Buffer.alloc(12);
      ct.writeUInt32LE(8000, 0);
      ct[4] = 4;
      ct[5] = 1;
      ct.writeUInt16LE(0x200, 6);
      await asDecoded(write('ct.voc', VOC_HEADER, block(9, Buffer.concat([ct, noise(8000)]))), 0.01);
    },
  );

  itWith(
    ['ffmpeg'],
    'an empty first voice block names no codec: the codec is that of the block whose data is read (round 24c N6)',
    async () => {
      // an empty type 9 block of SB Pro 2-bit ADPCM (4 samples a byte) at 4 kHz, then the data in a type
      // 1 block naming codec 5 (no ffmpeg decoder), or 16-bit PCM: counted 1,048.6 s of 1 MB at the empty
      // block's 4 samples a byte, where ffmpeg decodes nothing, or 131.1 s
      const sbpro2 = Buffer.alloc(12);
      sbpro2.writeUInt32LE(4000, 0);
      sbpro2[4] = 2;
      sbpro2[5] = 1;
      sbpro2.writeUInt16LE(3, 6);
      for (const [name, tag] of [
        ['empty-then-unknown.voc', 5],
        ['empty-then-s16.voc', 4],
      ] as const) {
        const f = write(
          name,
          VOC_HEADER,
          block(9, sbpro2),
          block(1, Buffer.concat([Buffer.from([6, tag]), noise(1 << 20)])),
        );
        const { r, dec } = await atMostDecoded(f, 0.01);
        if (tag === 5) expect(r.kind, JSON.stringify(r)).toBe('unreadable');
        else expect(r.seconds, JSON.stringify(r)).toBeCloseTo(dec, 1);
      }
    },
  );
});

// ---------------------------------------------------------------- 8SVX

/** An IFF chunk, padded to even. */
function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 'latin1');
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body, Buffer.alloc(body.length & 1)]);
}

function form(type: string, ...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), ...chunks]);
  const h = Buffer.alloc(8);
  h.write('FORM', 'latin1');
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

function vhdr(rate: number, compression: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(rate, 12);
  b[14] = 1;
  b[15] = compression;
  return chunk('VHDR', b);
}

describe("8SVX (round 24a H5: sox's files were unreadable)", () => {
  itWith(['ffmpeg', 'sox'], "sox's 8SVX, mono and stereo, count what ffmpeg decodes", async () => {
    await asDecoded(soxed('mono.8svx', '-b', '8'));
    await asDecoded(soxed('stereo.8svx', '-b', '8', '-c', '2'));
  });

  itWith(
    ['ffmpeg'],
    "Fibonacci-delta as its decoder counts it; a BODY's claim past the file; a compression ffmpeg refuses",
    async () => {
      await asDecoded(write('fib.8svx', form('8SVX', vhdr(8000, 1), chunk('BODY', noise(16001)))), 0.01);
      // a BODY claiming a GB holds the 16 KB present
      const big = Buffer.from(form('8SVX', vhdr(8000, 0), chunk('BODY', noise(16000))));
      big.writeUInt32BE(1e9, big.indexOf('BODY') + 4);
      await asDecoded(write('bigbody.8svx', big), 0.01);
      const c5 = write('c5.8svx', form('8SVX', vhdr(8000, 5), chunk('BODY', noise(16000))));
      expect((await probe(c5)).kind).toBe('unreadable');
      expect(decoded(c5)).toBe(0);
    },
  );
});

// ---------------------------------------------------------------- raw DTS

describe("raw DTS (round 24a H5: ffmpeg's file was unreadable)", () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('dca')],
    "ffmpeg's DTS counts what it decodes; junk between frames counts nothing",
    async () => {
      const dts = tone('tone.dts', 48000, 2, '-c:a', 'dca', '-strict', '-2');
      await asDecoded(dts);
      const b = readFileSync(dts);
      const junk = write('junk.dts', b.subarray(0, 200_000), noise(500_000), b.subarray(b.length - 200_000));
      const { r, dec } = await atMostDecoded(junk, 0.05);
      expect(r.seconds).toBeGreaterThan(dec - 0.05);
      const zeros = write('zeros.dts', b.subarray(0, 4), Buffer.alloc(100_000));
      expect((await probe(zeros)).kind).toBe('unreadable');
    },
  );
});

// ---------------------------------------------------------------- FLV

/** The FLV file's tags: where each starts and its data size. */
function tags(b: Buffer): { at: number; size: number }[] {
  const out: { at: number; size: number }[] = [];
  for (let p = b.readUInt32BE(5) + 4; p + 11 <= b.length; p += 15 + b.readUIntBE(p + 1, 3))
    out.push({ at: p, size: b.readUIntBE(p + 1, 3) });
  return out;
}

/** An FLV tag of this type and data, with its PreviousTagSize. */
function flvTag(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(11);
  h[0] = type;
  h.writeUIntBE(data.length, 1, 3);
  const last = Buffer.alloc(4);
  last.writeUInt32BE(data.length + 11);
  return Buffer.concat([h, data, last]);
}

describe("FLV (round 24a H5: ffmpeg's files were `other`)", () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('libmp3lame', 'nellymoser', 'libspeex', 'adpcm_swf')],
    "ffmpeg's FLV of each audio codec counts what it decodes",
    async () => {
      await asDecoded(tone('aac.flv', 44100, 2, '-c:a', 'aac'));
      await asDecoded(tone('mp3.flv', 44100, 2, '-c:a', 'libmp3lame'));
      await asDecoded(tone('nelly.flv', 16000, 1, '-c:a', 'nellymoser'));
      await asDecoded(tone('nelly22.flv', 22050, 1, '-c:a', 'nellymoser'));
      await asDecoded(tone('speex.flv', 16000, 1, '-c:a', 'libspeex'));
      await asDecoded(tone('adpcm.flv', 22050, 2, '-c:a', 'adpcm_swf'));
      await asDecoded(tone('s16.flv', 22050, 1, '-c:a', 'pcm_s16le'));
      await asDecoded(tone('alaw.flv', 8000, 1, '-c:a', 'pcm_alaw'));
      // Speex of two frames a packet: ffmpeg's decoder (no header in FLV) decodes one a packet, as counted
      await asDecoded(tone('speex2.flv', 16000, 1, '-c:a', 'libspeex', '-frames_per_packet', '2'));
    },
  );

  itWith(
    ['ffmpeg', ffmpegEncoder('libmp3lame')],
    'junk payloads, a second codec, a tag whose size does not chain: at most what is decoded; script data changes nothing',
    async () => {
      const mp3 = tone('m.flv', 44100, 1, '-c:a', 'libmp3lame');
      const b = readFileSync(mp3);
      // every MP3 payload overwritten by junk (the tag's codec byte kept): no frame, nothing decoded
      const junk = Buffer.from(b);
      for (const t of tags(b)) if (b[t.at] === 8 && t.size > 1) noise(t.size - 1).copy(junk, t.at + 12);
      const j = write('junk.flv', junk);
      expect((await probe(j)).kind).toBe('unreadable');
      expect(decoded(j)).toBe(0);
      // Nellymoser tags after the MP3: a second audio stream; ffmpeg decodes the one of most channels
      // (one stereo tag of a codec it lacks after mono audio: nothing), so such a file is not measured
      const tail = Array.from({ length: 200 }, () =>
        flvTag(8, Buffer.concat([Buffer.from([0x62]), Buffer.alloc(6400)])),
      );
      const mixed = write('mixed.flv', b, ...tail);
      expect(await probe(mixed)).toMatchObject({
        kind: 'unreadable',
        error: expect.stringMatching(/two audio streams/),
      });
      const stereo = write('stereo-junk.flv', b, flvTag(8, Buffer.concat([Buffer.from([0xe1]), noise(100)])));
      expect((await probe(stereo)).kind).toBe('unreadable');
      // a PreviousTagSize that does not match: ffmpeg drops that tag and resynchronises on the next
      // two that chain, as counted; with none after it, the walk ends there
      const broken = Buffer.from(b);
      const t = tags(b)[100]!;
      broken.writeUInt32BE(7, t.at + 11 + t.size);
      const dropped = write('broken.flv', broken);
      await asDecoded(dropped, 0.001);
      expect((await probe(dropped)).error).toMatch(/1 tags not followed by their size dropped/);
      const junkAfter = write('junk-after.flv', broken.subarray(0, t.at + 15 + t.size), noise(200_000));
      const { r } = await atMostDecoded(junkAfter, 0.05);
      expect(r.error).toMatch(/nor any two tags after it/);
      // script data saying 44.1 kHz before and after the first audio tag: ffmpeg decodes the
      // 22,050 Hz PCM as before (its rate, channels and codec change nothing decoded)
      const pcm = readFileSync(tone('p.flv', 22050, 1, '-c:a', 'pcm_s16le'));
      const at = tags(pcm).find((x) => pcm[x.at] === 8)!;
      const rate = Buffer.alloc(8);
      rate.writeDoubleBE(44100);
      const amf = '\x02\x00\x0aonMetaData\x08\x00\x00\x00\x01\x00\x0faudiosamplerate\x00';
      const meta = flvTag(18, Buffer.concat([Buffer.from(amf, 'latin1'), rate, Buffer.from([0, 0, 9])]));
      const after = at.at + 15 + at.size;
      const parts = [pcm.subarray(0, at.at), meta, pcm.subarray(at.at, after), meta, pcm.subarray(after)];
      await asDecoded(write('meta.flv', ...parts));
    },
  );
});
