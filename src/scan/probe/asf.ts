/*
 * ASF / WMA by hand: music-metadata takes the length from the File Properties object (play duration
 * less preroll), which a cut-off copy still carries whole (a 35 KB WMA counted as 243 s), and counts
 * a video-only ASF as audio. The play duration is also the longest stream's, so a WMV's is the
 * video's. The length counted is the audio stream's own: its media objects (payloads carry each
 * object's presentation time and size) in the whole data packets present, read from the last
 * packets back; the play duration only for a whole audio-only file.
 */
import type { FileSource, ProbeResult } from './types.js';

const guid = (hex: string): Buffer => Buffer.from(hex, 'hex');
const FILE_PROPERTIES = guid('a1dcab8c47a9cf118ee400c00c205365');
const STREAM_PROPERTIES = guid('9107dcb7b7a9cf118ee600c00c205365');
const AUDIO_MEDIA = guid('409e69f84d5bcf11a8fd00805f5c442b');
const VIDEO_MEDIA = guid('c0ef19bc4d5bcf11a8fd00805f5c442b');
const DATA = guid('3626b2758e66cf11a6d900aa0062ce6c');

const MAX_HEADER = 1024 * 1024;

export function probeAsf(src: FileSource): ProbeResult | undefined {
  const h0 = src.head;
  if (h0.length < 30) return undefined;
  const headerSize = Number(h0.readBigUInt64LE(16));
  if (headerSize < 30 || headerSize > MAX_HEADER) return undefined;
  const h = headerSize + 50 <= h0.length ? h0 : src.read(0, Math.min(src.size, headerSize + 50));
  let playDuration: number | undefined;
  let preroll = 0;
  let packets = 0;
  let packetSize = 0;
  let audio: { tag: number; channels: number; rate: number; avgBytes: number; stream: number } | undefined;
  let video = false;
  for (let p = 30; p + 24 <= Math.min(h.length, headerSize);) {
    const size = Number(h.readBigUInt64LE(p + 16));
    if (size < 24 || p + size > h.length) break;
    const id = h.subarray(p, p + 16);
    const body = p + 24;
    if (id.equals(FILE_PROPERTIES) && size >= 24 + 80) {
      packets = Number(h.readBigUInt64LE(body + 32));
      playDuration = Number(h.readBigUInt64LE(body + 40)) / 1e7;
      preroll = Number(h.readBigUInt64LE(body + 56)) / 1000;
      const minP = h.readUInt32LE(body + 68);
      const maxP = h.readUInt32LE(body + 72);
      // a packet larger than the whole scan window (real files use a few KB) is a forged field: taken
      // as unknown, or reading "one packet" would read as much as the file holds
      packetSize = minP === maxP && minP <= SCAN_BYTES ? minP : 0;
    } else if (id.equals(STREAM_PROPERTIES) && size >= 24 + 54) {
      const type = h.subarray(body, body + 16);
      if (type.equals(VIDEO_MEDIA)) video = true;
      else if (type.equals(AUDIO_MEDIA) && !audio && size >= 24 + 54 + 8) {
        audio = {
          tag: h.readUInt16LE(body + 54),
          channels: h.readUInt16LE(body + 56),
          rate: h.readUInt32LE(body + 58),
          avgBytes: h.readUInt32LE(body + 62),
          stream: h.readUInt16LE(body + 48) & 0x7f,
        };
      }
    }
    p += size;
  }
  if (playDuration === undefined) return undefined;
  // only a file shown to be video is `other`; one with no stream we know is unreadable
  if (!audio && headerSize > src.size)
    return { kind: 'unreadable', codec: 'ASF', error: 'cut off inside the ASF header: its streams are not all there' };
  if (!audio)
    return video
      ? { kind: 'other', codec: 'ASF', error: 'video, no audio track' }
      : { kind: 'unreadable', codec: 'ASF', error: 'no audio stream found' };
  const codec = [0x160, 0x161, 0x162, 0x163, 0x0a].includes(audio.tag)
    ? 'WMA'
    : `ASF/0x${audio.tag.toString(16).padStart(4, '0')}`;
  const base = { codec, sampleRate: audio.rate || undefined, channels: audio.channels || undefined };
  const total = playDuration - preroll;
  if (!(total > 0)) return { kind: 'unreadable', ...base, error: 'ASF header gives no length' };
  // the data object follows the header: 24-byte object header, file id, packet count, 2 reserved
  const d = headerSize + 50 <= h.length ? h.subarray(headerSize, headerSize + 50) : src.read(headerSize, 50);
  if (d.length < 50 || !d.subarray(0, 16).equals(DATA)) {
    return { kind: 'unreadable', ...base, error: 'cut off: no ASF data object' };
  }
  const dataPackets = Number(d.readBigUInt64LE(40)) || packets;
  const dataStart = headerSize + 50;
  const dataBytes = src.size - dataStart;
  const cut = packetSize > 0 && dataPackets > 0 && dataBytes < dataPackets * packetSize;
  const frame = audio.rate ? 2048 / audio.rate : 0.128;
  const whole = packetSize ? Math.min(dataPackets || Infinity, Math.floor(dataBytes / packetSize)) : 0;
  const end = packetSize
    ? audioEnd(src, dataStart, packetSize, whole, audio.stream, preroll, audio.avgBytes, cut ? frame : 0)
    : undefined;
  if (!cut && !video) {
    // audio alone: the play duration is a claim (a 20 s WMA of 96 KB said 380 s, under the guard's
    // floor), so it is counted up to where the audio's last object ends, when one is found
    if (end !== undefined && end > 0 && end < total)
      return {
        kind: 'audio',
        seconds: end,
        ...base,
        error: `header says ${total.toFixed(1)} s; counted to the last audio object`,
      };
    return { kind: 'audio', seconds: total, ...base };
  }
  if (!cut) {
    // video and audio: the audio stream's last object, not the file's duration (set by the video)
    if (end !== undefined && end > 0) return { kind: 'audio', seconds: Math.min(end, total), ...base };
    return {
      kind: 'audio',
      seconds: total,
      ...base,
      error: 'audio stream length not found in the data packets: the file duration counted',
    };
  }
  const note = `cut off: ${whole} of ${dataPackets} data packets present (header says ${total.toFixed(1)} s)`;
  if (end !== undefined) {
    if (!(end > 0)) return { kind: 'unreadable', ...base, error: `no complete audio (${note})` };
    return { kind: 'audio', seconds: Math.min(end, total), ...base, error: note };
  }
  // no audio object readable in the packets present: the play duration in proportion to the packet
  // bytes present, less one codec frame for the object the cut split (an estimate)
  const seconds = (total * dataBytes) / (dataPackets * packetSize) - frame;
  if (!(seconds > 0)) return { kind: 'unreadable', ...base, error: `no complete audio (${note})` };
  return { kind: 'audio', seconds, ...base, error: `${note}; estimated from the bytes` };
}

/** Packets read back from the last whole one when looking for the audio stream's end (and at most 4 MiB of them). */
const SCAN_PACKETS = 256;
const SCAN_BYTES = 4 * 1024 * 1024;

/** The longest a media object is taken to play, whatever the stream's byte rate says. */
const MAX_OBJECT_S = 2;

const lenOf = (type: number): number => [0, 1, 2, 4][type & 3]!;

function readVar(b: Buffer, p: number, type: number): number {
  const n = lenOf(type);
  return n === 0 ? 0 : n === 1 ? b[p]! : n === 2 ? b.readUInt16LE(p) : b.readUInt32LE(p);
}

/**
 * Where the audio stream ends, in seconds from the start (preroll taken off), from the media objects
 * in the last whole data packets: the end of the last whole object (its presentation time plus its
 * bytes at the stream's byte rate, less `cutFrame` when the file was cut after it), or, when the cut
 * split an object, that object's start. Undefined when no audio object is found.
 */
function audioEnd(
  src: FileSource,
  dataStart: number,
  packetSize: number,
  whole: number,
  stream: number,
  prerollS: number,
  avgBytes: number,
  cutFrame: number,
): number | undefined {
  const first = Math.max(0, whole - Math.max(1, Math.min(SCAN_PACKETS, Math.floor(SCAN_BYTES / packetSize))));
  // the whole packets, and (in a cut file) the start of the packet the cut split: its payload headers
  // name the objects that are not all there
  const buf = src.read(dataStart + first * packetSize, (whole - first) * packetSize + (cutFrame > 0 ? packetSize : 0));
  const n = Math.floor(buf.length / packetSize);
  const preroll = prerollS * 1000;
  let lastWhole: { pres: number; size: number } | undefined;
  let split: number | undefined;
  for (let k = buf.length > n * packetSize ? n : n - 1; k >= 0; k--) {
    const objs = payloads(buf.subarray(k * packetSize, Math.min(buf.length, (k + 1) * packetSize)), stream, packetSize);
    for (const o of objs) {
      if (o.complete) {
        if (!lastWhole || o.pres > lastWhole.pres) lastWhole = o;
      } else if (k >= n - 1 && (split === undefined || o.pres < split)) split = o.pres;
    }
    if (lastWhole) break;
  }
  // the object the cut split starts where the whole ones end (WMA objects follow each other)
  if (split !== undefined && cutFrame > 0 && (!lastWhole || split > lastWhole.pres))
    return Math.max(0, (split - preroll) / 1000);
  if (!lastWhole) return split !== undefined ? 0 : undefined;
  // an object is a few codec frames (WMA: under half a second); a byte rate forged low made one hours
  const dur = avgBytes > 0 ? Math.min(MAX_OBJECT_S, lastWhole.size / avgBytes) : 0;
  return Math.max(0, (lastWhole.pres - preroll) / 1000 + dur - cutFrame);
}

interface Obj {
  pres: number;
  size: number;
  complete: boolean;
}

/** The audio stream's media objects (or their last fragments) in one data packet. */
function payloads(pk: Buffer, stream: number, packetSize: number): Obj[] {
  const out: Obj[] = [];
  let p = 0;
  if (pk[0]! & 0x80) {
    if (pk[0]! & 0x60) return out; // error correction data of a length type we do not know
    p = 1 + (pk[0]! & 0x0f);
  }
  if (p + 2 > pk.length) return out;
  const lt = pk[p]!;
  const pf = pk[p + 1]!;
  p += 2;
  p += lenOf(lt >> 5) + lenOf(lt >> 1); // packet length, sequence
  const padding = p + 4 <= pk.length ? readVar(pk, p, lt >> 3) : 0;
  p += lenOf(lt >> 3) + 6; // padding length, send time, duration
  const multiple = lt & 1;
  let count = 1;
  let payloadLenType = 0;
  if (multiple) {
    if (p >= pk.length) return out;
    count = pk[p]! & 0x3f;
    payloadLenType = pk[p]! >> 6;
    p++;
  }
  for (let i = 0; i < count; i++) {
    const head = 1 + lenOf(pf >> 4) + lenOf(pf >> 2) + lenOf(pf);
    if (p + head > pk.length) break;
    const sn = pk[p]! & 0x7f;
    p += 1 + lenOf(pf >> 4);
    const offset = readVar(pk, p, pf >> 2);
    p += lenOf(pf >> 2);
    const repl = readVar(pk, p, pf);
    p += lenOf(pf);
    if (p + repl > pk.length) break;
    const objSize = repl >= 8 ? pk.readUInt32LE(p) : 0;
    const objPres = repl >= 8 ? pk.readUInt32LE(p + 4) : 0;
    const delta = repl === 1 ? pk[p]! : 0;
    p += repl;
    let len: number;
    if (multiple) {
      if (p + lenOf(payloadLenType) > pk.length) break;
      len = readVar(pk, p, payloadLenType);
      p += lenOf(payloadLenType);
    } else len = packetSize - padding - p;
    if (len < 0) break;
    if (p + len > pk.length) {
      // the packet was cut inside this payload: its object is not whole
      if (sn === stream && repl >= 8) out.push({ pres: objPres, size: objSize, complete: false });
      break;
    }
    if (sn === stream) {
      if (repl === 1) {
        // compressed payload: whole objects of up to 255 bytes, `offset` is the first one's presentation time
        for (let q = p, n = 0; q < p + len; n++) {
          const size = pk[q]!;
          out.push({ pres: offset + n * delta, size, complete: q + 1 + size <= p + len });
          q += 1 + size;
        }
      } else if (repl >= 8) out.push({ pres: objPres, size: objSize, complete: offset + len >= objSize });
    }
    p += len;
  }
  return out;
}
