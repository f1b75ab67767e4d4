/*
 * RIFF/WAVE and RF64 reader, by hand: music-metadata takes a WAV's length from the data chunk's declared
 * size, which is wrong for exactly the files a leak is full of (recordings still being written, with a
 * data size of 0 or 0xFFFFFFFF, or cut off by a copy). It also costs about five times the CPU of this
 * chunk walk, which reads only chunk headers and the few small chunks it needs.
 */
import { parseHeaderDate } from './datestr.js';
import type { EmbeddedDate, FileSource, ProbeResult } from './types.js';

const CODECS: Record<number, string> = {
  0x0001: 'PCM',
  0x0002: 'MS-ADPCM',
  0x0003: 'FLOAT',
  0x0006: 'ALAW',
  0x0007: 'ULAW',
  0x0011: 'IMA-ADPCM',
  0x0022: 'TRUESPEECH',
  0x0031: 'GSM610',
  0x0040: 'G721',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x0064: 'G726',
  0x0065: 'G722',
  0x0083: 'G729A',
  0x0133: 'G729',
};
/** codecs whose every frame has the same size: duration follows from the bytes present */
const FIXED_FRAME = new Set(['PCM', 'FLOAT', 'ALAW', 'ULAW']);
/** codecs coded in blocks of a known number of samples */
const BLOCK_CODED = new Set(['GSM610', 'IMA-ADPCM', 'MS-ADPCM']);

const MAX_CHUNKS = 256;
const MAX_SMALL_CHUNK = 64 * 1024;

export function isWav(head: Buffer): boolean {
  if (head.length < 12) return false;
  const id = head.toString('latin1', 0, 4);
  return (id === 'RIFF' || id === 'RF64' || id === 'BW64') && head.toString('latin1', 8, 12) === 'WAVE';
}

function bytesAt(src: FileSource, pos: number, len: number): Buffer {
  if (pos + len <= src.head.length) return src.head.subarray(pos, pos + len);
  return src.read(pos, len);
}

export function probeWav(src: FileSource): ProbeResult {
  const rf64 = src.head.toString('latin1', 0, 4) !== 'RIFF';
  let fmt: Buffer | undefined;
  let factSamples: number | undefined;
  let ds64Data: number | undefined;
  let dataOffset = -1;
  let declared = 0;
  let embeddedDate: EmbeddedDate | undefined;
  let pos = 12;
  for (let n = 0; n < MAX_CHUNKS && pos + 8 <= src.size; n++) {
    const hdr = bytesAt(src, pos, 8);
    if (hdr.length < 8) break;
    const id = hdr.toString('latin1', 0, 4);
    const size = hdr.readUInt32LE(4);
    const body = pos + 8;
    if (id === 'data') {
      dataOffset = body;
      declared = rf64 && size === 0xffffffff && ds64Data !== undefined ? ds64Data : size;
      // Chunks after the data (LIST/INFO, bext) are read only when the data size is believable.
      if (declared === 0 || declared === 0xffffffff || body + declared > src.size) break;
    } else if (id === 'fmt ') {
      fmt = bytesAt(src, body, Math.min(size, 64));
    } else if (id === 'fact' && size >= 4) {
      factSamples = bytesAt(src, body, 4).readUInt32LE(0);
    } else if (id === 'ds64' && size >= 16) {
      const b = bytesAt(src, body, 16);
      ds64Data = Number(b.readBigUInt64LE(8));
    } else if (!embeddedDate && id === 'LIST' && size >= 4 && size <= MAX_SMALL_CHUNK) {
      embeddedDate = readInfoDate(bytesAt(src, body, size));
    } else if (id === 'bext' && size >= 338) {
      const b = bytesAt(src, body, 338);
      const date = b.toString('latin1', 320, 330).replace(/\0/g, '');
      const time = b.toString('latin1', 330, 338).replace(/\0/g, '');
      embeddedDate = parseHeaderDate(`${date} ${time}`, 'bwf-origination') ?? embeddedDate;
    }
    pos = body + (id === 'data' ? declared : size) + ((id === 'data' ? declared : size) & 1);
  }
  if (!fmt || fmt.length < 16) return { kind: 'unreadable', codec: 'WAV', error: 'WAV without a readable fmt chunk' };
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const byteRate = fmt.readUInt32LE(8);
  let blockAlign = fmt.readUInt16LE(12);
  const bits = fmt.readUInt16LE(14);
  if (tag === 0xfffe && fmt.length >= 26) tag = fmt.readUInt16LE(24);
  const name = CODECS[tag] ?? `0x${tag.toString(16).padStart(4, '0')}`;
  const codec = `WAV/${name}`;
  const base = { codec, sampleRate, channels };
  if (!sampleRate || !channels)
    return { kind: 'unreadable', ...base, error: 'WAV fmt chunk has no sample rate or channels' };
  if (dataOffset < 0) return { kind: 'unreadable', ...base, error: 'WAV without a data chunk' };

  const available = Math.max(0, src.size - dataOffset);
  let present = declared;
  let note: string | undefined;
  if (declared === 0 || declared === 0xffffffff || declared > available) {
    present = available;
    if (declared === 0) note = `data size 0 in header; counted the ${available} bytes present`;
    else if (declared === 0xffffffff) note = `data size 0xFFFFFFFF in header; counted the ${available} bytes present`;
    else note = `cut off: header says ${declared} data bytes, ${available} present`;
  }
  const truncated = present < declared || declared === 0 || declared === 0xffffffff;

  let samples: number;
  if (FIXED_FRAME.has(name)) {
    if (!blockAlign) blockAlign = Math.max(1, (channels * bits) >> 3);
    samples = Math.floor(present / blockAlign);
  } else if (BLOCK_CODED.has(name)) {
    const cb = fmt.length >= 20 ? fmt.readUInt16LE(16) : 0;
    let perBlock = cb >= 2 && fmt.length >= 20 ? fmt.readUInt16LE(18) : 0;
    if (!perBlock && name === 'GSM610') perBlock = 320;
    if (!perBlock || !blockAlign) {
      return { kind: 'unreadable', ...base, error: `${name} WAV without samples per block` };
    }
    const blocks = Math.floor(present / blockAlign);
    samples = blocks * perBlock;
    // fact holds the exact count (the last block is padded); trust it unless the file is cut short.
    if (factSamples !== undefined && factSamples > 0 && (!truncated || factSamples < samples)) samples = factSamples;
  } else if (factSamples !== undefined && factSamples > 0 && !truncated) {
    samples = factSamples;
  } else if (byteRate > 0) {
    samples = Math.floor((present / byteRate) * sampleRate);
  } else {
    return { kind: 'unreadable', ...base, error: `${name} WAV without a byte rate` };
  }
  if (samples <= 0) {
    return { kind: 'unreadable', ...base, embeddedDate, error: note ? `no audio data (${note})` : 'no audio data' };
  }
  return { kind: 'audio', seconds: samples / sampleRate, ...base, embeddedDate, error: note };
}

function readInfoDate(list: Buffer): EmbeddedDate | undefined {
  if (list.length < 4 || list.toString('latin1', 0, 4) !== 'INFO') return undefined;
  let p = 4;
  while (p + 8 <= list.length) {
    const id = list.toString('latin1', p, p + 4);
    const size = list.readUInt32LE(p + 4);
    if (id === 'ICRD') {
      const text = list.toString('latin1', p + 8, Math.min(list.length, p + 8 + size)).replace(/\0+$/, '');
      return parseHeaderDate(text, 'riff-icrd');
    }
    p += 8 + size + (size & 1);
  }
  return undefined;
}
