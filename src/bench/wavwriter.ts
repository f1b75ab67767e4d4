/**
 * Writes real WAV files byte by byte (RIFF/RF64, fmt with the extension block-coded codecs need, fact,
 * LIST/INFO, bext, any chunk with any declared size): the benchmark's synthetic leak and the tests'
 * fixtures, including the broken headers a leak is full of.
 */
function chunk(id: string, body: Buffer, declared = body.length): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(declared >>> 0, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

export interface WavSpec {
  /** WAVE format tag: 1 PCM, 6 A-law, 7 µ-law, 0x31 GSM 6.10, 0x11 IMA ADPCM */
  tag?: number;
  rate?: number;
  channels?: number;
  bits?: number;
  blockAlign?: number;
  byteRate?: number;
  samplesPerBlock?: number;
  /** bytes of audio actually written */
  dataBytes: number;
  /** the data size the header claims (default: dataBytes) */
  declared?: number;
  fact?: number;
  /** extra chunks before the data chunk */
  before?: Buffer[];
  after?: Buffer[];
  rf64?: boolean;
}

export function infoList(fields: Record<string, string>): Buffer {
  const subs = Object.entries(fields).map(([k, v]) => chunk(k, Buffer.from(v + '\0', 'latin1')));
  return chunk('LIST', Buffer.concat([Buffer.from('INFO'), ...subs]));
}

export function bext(date: string, time: string): Buffer {
  const b = Buffer.alloc(602);
  b.write(date, 320, 'latin1');
  b.write(time, 330, 'latin1');
  return chunk('bext', b);
}

export function rawChunk(id: string, body: Buffer, declared?: number): Buffer {
  return chunk(id, body, declared);
}

/** Everything of a WAV file up to its audio: RIFF header, fmt, ds64, fact, extra chunks, data header. */
export function wavHeader(s: WavSpec): Buffer {
  const tag = s.tag ?? 1;
  const rate = s.rate ?? 8000;
  const ch = s.channels ?? 1;
  const bits = s.bits ?? (tag === 1 ? 16 : tag === 6 || tag === 7 ? 8 : tag === 0x11 ? 4 : 0);
  const blockAlign = s.blockAlign ?? (tag === 0x31 ? 65 : Math.max(1, (ch * bits) >> 3));
  const byteRate = s.byteRate ?? (tag === 0x31 ? 1625 : rate * blockAlign);
  const ext =
    s.samplesPerBlock !== undefined
      ? Buffer.from([2, 0, s.samplesPerBlock & 0xff, s.samplesPerBlock >> 8])
      : Buffer.alloc(0);
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(tag, 0);
  fmt.writeUInt16LE(ch, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(byteRate, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(bits, 14);
  const parts = [chunk('fmt ', Buffer.concat([fmt, ext]))];
  if (s.rf64) {
    const ds = Buffer.alloc(28);
    ds.writeBigUInt64LE(BigInt(s.dataBytes + 100), 0);
    ds.writeBigUInt64LE(BigInt(s.declared ?? s.dataBytes), 8);
    parts.unshift(chunk('ds64', ds));
  }
  if (s.fact !== undefined) {
    const f = Buffer.alloc(4);
    f.writeUInt32LE(s.fact, 0);
    parts.push(chunk('fact', f));
  }
  parts.push(...(s.before ?? []));
  const dh = Buffer.alloc(8);
  dh.write('data', 0, 'latin1');
  dh.writeUInt32LE(s.rf64 ? 0xffffffff : (s.declared ?? s.dataBytes) >>> 0, 4);
  parts.push(dh);
  const body = Buffer.concat(parts);
  const rest = s.dataBytes + (s.dataBytes & 1) + (s.after ?? []).reduce((n, b) => n + b.length, 0);
  const head = Buffer.alloc(12);
  head.write(s.rf64 ? 'RF64' : 'RIFF', 0, 'latin1');
  head.writeUInt32LE(s.rf64 ? 0xffffffff : (body.length + 4 + rest) >>> 0, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

/** A whole WAV file: the header, dataBytes of audio (a constant pattern), the chunks after it. */
export function wav(s: WavSpec): Buffer {
  const pad = s.dataBytes & 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([wavHeader(s), Buffer.alloc(s.dataBytes, 0x55), pad, ...(s.after ?? [])]);
}
