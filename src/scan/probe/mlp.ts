/*
 * MLP and Dolby TrueHD access units, checked as a decoder checks them before it decodes anything.
 *
 * An access unit is 1/1,200 s (1/1,102.5 s in the 44.1 kHz family): a 4-byte header (check nibble,
 * 12-bit length in 16-bit words, input timing), on some units a major sync (the stream's parameters,
 * with a CRC-16), then a directory of substreams (2 bytes each, 4 with TrueHD's extra word) whose
 * check nibble with the header's must make 0xF. A decoder decodes nothing until a major sync's CRC
 * holds ("stream parameters not seen"), and a unit that fails a check drops that sync's parameters
 * until the next good one. Units were counted by their length fields alone: 2.4 MB of such headers
 * with no major sync counted 500 s, ffmpeg decoding nothing (attack round 14a). Written by hand: no
 * library reads these headers (music-metadata does not know TrueHD).
 */

import { crc16Msb } from './bytes.js';

const SYNC_TRUEHD = 0xf8726fba;
const SYNC_MLP = 0xf8726fbb;

/** CRC-16 of the major sync: polynomial 0x002D, MSB first, from 0 (as a decoder computes it). */
const crc16 = crc16Msb(0x2d);

/**
 * The major sync at p (its 4-byte sync word there) in a unit ending at `end`: its size, substreams
 * and a unit's length (s), when its CRC holds and a decoder takes its fields (round 15: a rate code
 * of 15 or over 192 kHz, CRC recomputed, counted 10 s ffmpeg refuses): MLP's sample sizes (16, 20,
 * 24 bits), a rate of 44.1 or 48 kHz times 1, 2 or 4, at most 4 substreams (MLP 2).
 */
function majorSync(
  b: Buffer,
  p: number,
  end: number,
  mlp: boolean,
): { size: number; substreams: number; unit: number } | undefined {
  if (p + 28 > end) return undefined;
  let size = 28;
  // TrueHD's extension (Atmos' extra channel meaning): a flag in byte 25, the count of its words in byte 26
  if (!mlp && b[p + 25]! & 1) size += 2 + (b[p + 26]! >> 4) * 2;
  if (p + size > end) return undefined;
  const check = crc16(b, p, p + size - 4) ^ b.readUInt16BE(p + size - 4);
  if (check !== b.readUInt16BE(p + size - 2)) return undefined;
  const substreams = b[p + 16]! >> 4;
  if (!substreams || substreams > (mlp ? 2 : 4)) return undefined;
  // MLP: the two groups' sample sizes, then their rates; TrueHD: its rate
  let rate = b[p + 4]! >> 4;
  if (mlp) {
    const bits1 = b[p + 4]! >> 4;
    const bits2 = b[p + 4]! & 15;
    const rate2 = b[p + 5]! & 15;
    rate = b[p + 5]! >> 4;
    if (bits1 > 2 || (bits2 <= 2 && bits2 > bits1) || (rate2 !== 15 && rate2 !== rate)) return undefined;
  }
  if (rate === 15 || (rate & 7) > 2) return undefined;
  // 40 samples a unit at 48 or 44.1 kHz, times 1, 2 or 4 at the higher rates: a unit is the same time
  return { size, substreams, unit: rate & 8 ? 40 / 44100 : 40 / 48000 };
}

/**
 * A track's units, counted in stream order: the parameters of the last good major sync carried from
 * one packet to the next, as a decoder carries them.
 */
export class MlpUnits {
  /** substreams of the last good major sync; 0 when none holds (nothing is decoded) */
  private substreams = 0;
  /** a unit's length (s), by that major sync's rate */
  private unitSeconds = 0;
  constructor(
    private readonly mlp: boolean,
    /** join a unit that runs on into the next packet (Matroska, as ffmpeg's parser does; not MP4's demuxer) */
    private readonly join = true,
  ) {}

  /** Back to the stream's start: no parameters seen. */
  reset(): void {
    this.substreams = 0;
    this.carried = 0;
  }

  /** the start of a unit the last packet ended in (carried bytes of it), which the next one goes on with */
  private readonly carry = Buffer.alloc(8192);
  private carried = 0;

  /**
   * The seconds of the units in [p, stop) a decoder decodes: walked by their lengths, each checked.
   * A unit may run on into the next packet (a muxer that cuts the stream at other points: a decoder's
   * parser joins them; counted 0.5 s of 10 before, round 15): its start is kept, and each packet's
   * bytes added to it until it is whole (copied once: joined anew at every packet, 1-byte blocks of
   * 8 KB units cost their square, 21 s for 9 MB; round 17).
   */
  seconds(b: Buffer, p: number, stop: number): number {
    let s = 0;
    if (this.carried) {
      // the carried unit's length, once its first 2 bytes are there
      const need = (have: number): number => (have < 2 ? 2 : (((this.carry[0]! & 0x0f) << 8) | this.carry[1]!) * 2);
      while (p < stop) {
        const want = need(this.carried);
        // (a length under 4 is junk, once there is a length: 1 byte carried wants its second first)
        if (this.carried >= 2 && want < 4) {
          this.carried = 0;
          return s;
        }
        const take = Math.min(want - this.carried, stop - p);
        b.copy(this.carry, this.carried, p, p + take);
        this.carried += take;
        p += take;
        if (this.carried >= 2 && this.carried === need(this.carried)) {
          if (this.unit(this.carry, 0, this.carried)) s += this.unitSeconds;
          this.carried = 0;
          break;
        }
      }
      if (this.carried) return s;
    }
    while (p < stop) {
      const len = p + 2 <= stop ? (((b[p]! & 0x0f) << 8) | b[p + 1]!) * 2 : 0;
      if (p + 2 <= stop && len < 4) break;
      if (p + 2 > stop || p + len > stop) {
        if (this.join) {
          b.copy(this.carry, 0, p, stop);
          this.carried = stop - p;
        }
        break;
      }
      if (this.unit(b, p, p + len)) s += this.unitSeconds;
      p += len;
    }
    return s;
  }

  private unit(b: Buffer, p: number, end: number): boolean {
    let h = p + 4;
    let major = false;
    if (h + 4 <= end) {
      const sync = b.readUInt32BE(h);
      if (sync === SYNC_TRUEHD || sync === SYNC_MLP) {
        const m = (sync === SYNC_MLP) === this.mlp ? majorSync(b, h, end, this.mlp) : undefined;
        if (!m) return this.fail();
        this.substreams = m.substreams;
        this.unitSeconds = m.unit;
        h += m.size;
        major = true;
      }
    }
    if (!this.substreams) return false;
    let parity = b[p]! ^ b[p + 1]! ^ b[p + 2]! ^ b[p + 3]!;
    let last = 0;
    const dir = h;
    for (let s = 0; s < this.substreams; s++) {
      if (h + 2 > end) return this.fail();
      const w = b.readUInt16BE(h);
      parity ^= b[h]! ^ b[h + 1]!;
      h += 2;
      if (w & 0x8000) {
        // an extra word: TrueHD only
        if (this.mlp || h + 2 > end) return this.fail();
        parity ^= b[h]! ^ b[h + 1]!;
        h += 2;
      }
      // a unit with a major sync restarts every substream; one without restarts none
      if (!(w & 0x4000) !== major) return this.fail();
      const subEnd = (w & 0x0fff) * 2;
      if (subEnd < last) return this.fail();
      last = subEnd;
    }
    if (h - dir === 0 || (((parity >> 4) ^ parity) & 0xf) !== 0xf) return this.fail();
    return true;
  }

  private fail(): false {
    this.substreams = 0;
    return false;
  }
}
