/** MPEG-TS packets as the tests forge them. */

/** The packet with its PES timestamp moved on by `seconds` (a PES start with a PTS), else as it is. */
export function shiftPts(k: Buffer, seconds: number): Buffer {
  const out = Buffer.from(k);
  if (!(out[1]! & 0x40)) return out;
  const o = 4 + ((out[3]! >> 4) & 2 ? 1 + out[4]! : 0);
  if (out[o] !== 0 || out[o + 1] !== 0 || out[o + 2] !== 1 || !(out[o + 7]! & 0x80)) return out;
  const q = o + 9;
  let pts = ((out[q]! >> 1) & 7) * 2 ** 30 + ((out[q + 1]! << 7) | (out[q + 2]! >> 1)) * 2 ** 15;
  pts += (out[q + 3]! << 7) | (out[q + 4]! >> 1);
  pts = (pts + seconds * 90000) % 2 ** 33;
  out[q] = (out[q]! & 0xf1) | ((Math.floor(pts / 2 ** 30) & 7) << 1);
  const mid = Math.floor(pts / 2 ** 15) & 0x7fff;
  out[q + 1] = mid >> 7;
  out[q + 2] = ((mid & 0x7f) << 1) | 1;
  out[q + 3] = (pts & 0x7fff) >> 7;
  out[q + 4] = ((pts & 0x7f) << 1) | 1;
  return out;
}
