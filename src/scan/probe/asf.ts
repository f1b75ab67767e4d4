/*
 * ASF / WMA by hand: music-metadata takes the length from the File Properties object (play duration
 * less preroll), which a cut-off copy still carries whole (a 35 KB WMA counted as 243 s), and counts
 * a video-only ASF as audio. ASF data packets all have one size, so the share of the data present
 * follows from the bytes: the length is the play duration in that proportion (an estimate: WMA is
 * near constant bit rate), less one frame.
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
  let audio: { tag: number; channels: number; rate: number } | undefined;
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
      packetSize = minP === maxP ? minP : 0;
    } else if (id.equals(STREAM_PROPERTIES) && size >= 24 + 54) {
      const type = h.subarray(body, body + 16);
      if (type.equals(VIDEO_MEDIA)) video = true;
      else if (type.equals(AUDIO_MEDIA) && !audio && size >= 24 + 54 + 8) {
        audio = {
          tag: h.readUInt16LE(body + 54),
          channels: h.readUInt16LE(body + 56),
          rate: h.readUInt32LE(body + 58),
        };
      }
    }
    p += size;
  }
  if (playDuration === undefined) return undefined;
  // only a file shown to be video is `other`; one with no stream we know is unreadable
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
  if (!packetSize || !dataPackets) return { kind: 'audio', seconds: total, ...base };
  const dataBytes = src.size - headerSize - 50;
  if (dataBytes >= dataPackets * packetSize) return { kind: 'audio', seconds: total, ...base };
  // Cut off. Decoders use every whole media object, in whole packets and in the cut one: the play
  // duration in proportion to the packet bytes present, less one codec frame for the object the cut split.
  const frame = audio.rate ? 2048 / audio.rate : 0.128;
  const seconds = (total * dataBytes) / (dataPackets * packetSize) - frame;
  const note = `cut off: ${dataBytes} of ${dataPackets * packetSize} bytes of data packets present (header says ${total.toFixed(1)} s)`;
  if (!(seconds > 0)) return { kind: 'unreadable', ...base, error: `no complete audio (${note})` };
  return { kind: 'audio', seconds, ...base, error: note };
}
