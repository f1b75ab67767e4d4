/**
 * Attack round 25d H1: an ASF header object whose size runs into the packets. ffmpeg's asf_read_header
 * walks objects until the Data Object's GUID, whatever the Header Object's size says, and fails the file
 * when an object runs into the data; leaktally stopped its walk there and counted every packet (ffmpeg's
 * own 1 h WMA with 8 bytes changed: 3,600 s counted, 0 decoded).
 */
import { describe, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import { ffmpegEncoder, itWith } from './needs.js';
import { asDecoded, atMostDecoded, ffmpeg } from './decoded.js';

const dir = tempDir('leaktally-r25d-asf-');

describe('ASF header objects (round 25d H1)', () => {
  itWith(
    ['ffmpeg', ffmpegEncoder('wmav2')],
    'an object running into the data, or under 24 bytes: the file refused, as ffmpeg refuses it',
    async () => {
      const own = join(dir, 'w.wma');
      ffmpeg('-f', 'lavfi', '-i', 'sine=f=440:r=8000:d=30', '-c:a', 'wmav2', '-b:a', '32k', own);
      await asDecoded(own, 0.1);
      const b = readFileSync(own);
      const headerSize = Number(b.readBigUInt64LE(16));
      // the object just before the Data Object
      let last = 30;
      for (let p = 30; p < headerSize; p += Number(b.readBigUInt64LE(p + 16))) last = p;
      for (const [name, size] of [
        ['into-data.wma', Number(b.readBigUInt64LE(last + 16)) + 1000],
        ['tiny.wma', 8],
      ] as const) {
        const c = Buffer.from(b);
        c.writeBigUInt64LE(BigInt(size), last + 16);
        const path = join(dir, name);
        writeFileSync(path, c);
        const { r, dec } = await atMostDecoded(path, 0);
        expect(dec, name).toBe(0);
        expect(r.kind, `${name}: ${JSON.stringify(r)}`).toBe('unreadable');
      }
    },
  );
});
