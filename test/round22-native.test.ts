/**
 * Attack round 22's findings in the large-file paths of the formats read by hand, each file built here
 * from frames ffmpeg makes or decodes, judged by ffmpeg's decoded length:
 *  - H1: an MPEG-TS over 64 MiB whose audio sits only where the 16 fixed windows were read (null
 *    packets between, not sparse), its tail's timestamps moved on: the timestamps were believed;
 *  - H2: an AMR file over 16 MiB whose frames after the first 16 MiB are NO_DATA: the mean of the first
 *    16 MiB was extended to the whole file.
 * (H4, FLAC past 1 GiB, is in round21-flac.test.ts beside the forgery it extends.)
 * A real stream of each kind still counts what ffmpeg decodes.
 */
import { describe, expect } from 'vitest';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { itWith } from './needs.js';
import { ffmpeg, decoded, probe } from './decoded.js';
import { shiftPts } from './mpegts.js';

const dir = tempDir('leaktally-r22native-');

const TS = 188;
/** The PID of ffmpeg's first elementary stream in a TS it writes. */
const AUDIO_PID = 0x100;
const pid = (b: Buffer, p: number): number => ((b[p + 1]! & 0x1f) << 8) | b[p + 2]!;
const NULL = Buffer.alloc(TS, 0xff);
NULL.writeUInt32BE(0x471fff10, 0);

/** seconds of a tone as MP2 at 16 kHz (64 kbit/s unless said), in a transport stream ffmpeg writes */
function mp2Ts(name: string, seconds: number, rate = '64k'): Buffer {
  const out = join(dir, name);
  ffmpeg('-f', 'lavfi', '-i', `sine=f=440:r=16000:d=${seconds}`, '-c:a', 'mp2', '-b:a', rate, '-f', 'mpegts', out);
  return readFileSync(out);
}

/** The audio packets of a stream, in order. */
function audioPackets(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p + TS <= b.length; p += TS) if (pid(b, p) === AUDIO_PID) out.push(b.subarray(p, p + TS));
  return out;
}

describe('attack round 22: MPEG-TS over 64 MiB', () => {
  itWith(
    ['ffmpeg'],
    'H1: audio only where the fixed windows were read, null packets between, the tail 8,000 s on: counted near what ffmpeg decodes',
    async () => {
      const b = mp2Ts('src.ts', 1100);
      const size = Math.floor((70 * 1024 * 1024) / TS) * TS;
      const window = 2 * 1024 * 1024;
      const tailPos = Math.floor((size - window) / TS) * TS;
      const gap = tailPos - window;
      const wlen = Math.floor((256 * 1024) / TS) * TS;
      // the head: the stream's first 2 MiB as it is (PAT, PMT, audio); then null packets to the end
      const out = Buffer.alloc(size);
      b.copy(out, 0, 0, window);
      for (let p = window - (window % TS); p < size; p += TS) NULL.copy(out, p);
      // where mpegts.ts read before round 22: 16 windows of 256 KiB spread evenly over the gap, each
      // filled with the stream's next audio packets
      const audio = audioPackets(b.subarray(window - (window % TS)));
      let k = 0;
      for (let i = 0; i < 16; i++) {
        const at = Math.floor((window + ((i + 0.5) * gap) / 16) / TS) * TS;
        for (let p = at; p < at + wlen; p += TS) audio[k++]!.copy(out, p);
      }
      // the tail: the stream's last packets, their timestamps 8,000 s on
      const last = audioPackets(b.subarray(b.length - Math.floor((2 * window) / TS) * TS));
      const n = (size - tailPos) / TS;
      expect(k + n).toBeLessThanOrEqual(audio.length); // the stream holds every packet placed
      for (let i = 0; i < n; i++) shiftPts(last[last.length - n + i]!, 8000).copy(out, tailPos + i * TS);
      const path = join(dir, 'windows.ts');
      const fd = openSync(path, 'w');
      writeSync(fd, out);
      closeSync(fd);
      const dec = decoded(path);
      expect(dec).toBeLessThan(1200); // what the packets hold, not the timestamps' 9,100 s
      // before: 9,100 s (the timestamps, within twice the 16 windows' audio extended to the gap)
      const p = await probe(path);
      expect(p.kind).toBe('audio');
      expect(p.seconds!).toBeLessThan(2 * dec);
      expect(p.error).toMatch(/more than the frames read hold/);
    },
  );

  itWith(['ffmpeg'], 'a stream muxed evenly over 64 MiB counts its timestamps, every run alike', async () => {
    // copies of a 440 s stream at 160 kbit/s, each's timestamps on after the one before: 66 MiB, ~3,500 s
    const b = mp2Ts('even.ts', 440, '160k');
    const copies = Math.ceil((66 * 1024 * 1024) / b.length);
    const dur = 440 + 0.5;
    const parts: Buffer[] = [];
    for (let c = 0; c < copies; c++)
      for (let p = 0; p + TS <= b.length; p += TS)
        parts.push(c ? shiftPts(b.subarray(p, p + TS), c * dur) : b.subarray(p, p + TS));
    const path = join(dir, 'even-big.ts');
    const fd = openSync(path, 'w');
    writeSync(fd, Buffer.concat(parts));
    closeSync(fd);
    const dec = decoded(path);
    expect(dec).toBeGreaterThan(copies * 400);
    const [a, c] = [await probe(path), await probe(path)];
    expect(a.seconds!).toBeGreaterThan(dec * 0.98);
    expect(a.seconds!).toBeLessThan(dec * 1.02 + 1);
    expect(a.error).toBe('MPEG-TS: sized from the audio timestamps at the head and tail');
    expect(c.seconds).toBe(a.seconds);
  });
});

describe('attack round 22: AMR over 16 MiB', () => {
  /** a 12.2 kbit/s speech frame (type 7, quality bit set) of a random payload: ffmpeg decodes it, 20 ms */
  const speech = Buffer.concat([
    Buffer.from([(7 << 3) | 4]),
    Buffer.from(Array.from({ length: 31 }, (_, i) => (i * 73 + 11) & 0xff)),
  ]);
  const NO_DATA = (15 << 3) | 4;

  itWith(
    ['ffmpeg'],
    'H2: speech past 16 MiB, then NO_DATA frames: the speech frames, not the mean extended',
    async () => {
      // the judge on a small file of the same frames: 20 ms a speech frame, nothing for NO_DATA
      const small = join(dir, 'small.amr');
      const fd0 = openSync(small, 'w');
      writeSync(
        fd0,
        Buffer.concat([Buffer.from('#!AMR\n'), ...Array<Buffer>(500).fill(speech), Buffer.alloc(5000, NO_DATA)]),
      );
      closeSync(fd0);
      expect(decoded(small)).toBeCloseTo(10, 1);
      expect((await probe(small)).seconds).toBeCloseTo(10, 1);
      // 17 MiB of speech frames (past the old 16 MiB walk), then NO_DATA to 30 MB
      const frames = Math.floor((17 * 1024 * 1024) / speech.length);
      const big = join(dir, 'big.amr');
      const fd = openSync(big, 'w');
      writeSync(fd, Buffer.from('#!AMR\n'));
      const block = Buffer.concat(Array<Buffer>(1024).fill(speech));
      for (let i = 0; i < frames; i += 1024)
        writeSync(fd, i + 1024 <= frames ? block : block.subarray(0, (frames - i) * speech.length));
      writeSync(fd, Buffer.alloc(30_000_000 - 6 - frames * speech.length, NO_DATA));
      closeSync(fd);
      // before: 17 MiB's mean extended to 30 MB, 17,880 s; the frames hold 11,141 s
      const p = await probe(big);
      expect(p.kind).toBe('audio');
      expect(p.seconds).toBeCloseTo(frames * 0.02, 3);
    },
  );
});
