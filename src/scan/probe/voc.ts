/*
 * Creative Voice (.voc), read by hand: music-metadata has no reader for it, so ffmpeg's and sox's
 * VOC files were unreadable, counted 0 while ffmpeg decodes them whole (attack round 24a, H5: 30 s
 * of each counted 0).
 *
 * A VOC file is a 26-byte header ("Creative Voice File", 0x1A, the header's size, a version) and
 * then blocks: a type byte and a 24-bit size, then the block's bytes. ffmpeg 5.1's demuxer
 * (libavformat/vocdec.c, voc_packet.c) decodes the data of the voice blocks only: type 1 (a rate
 * byte, 1,000,000 / (256 − byte) Hz, and a codec byte), type 9 (a 32-bit rate, bits, channels and a
 * 16-bit codec) and type 2 (more data for the codec in use). Type 8 sets the rate and channels for
 * the type 1 block that follows it; silence (3), markers, text and repeats are skipped, decoding
 * nothing; type 0 or the file's end ends it. A size of 0 means "to the end of the file".
 *
 * What ffmpeg takes from the first voice block holds for the whole stream: its rate, channels and
 * codec (a later block's rate byte is skipped, a later codec ignored with a warning), so every voice
 * block's bytes are counted at the first block's rate and codec, as decoded. Data before any voice
 * block, or a first codec ffmpeg does not know, decodes nothing. The data is read in packets of at
 * most 2,048 bytes, each decoded on its own: a packet's odd bytes give no sample.
 */
import type { Claim, FileSource } from './types.js';
import { Window } from './window.js';

interface VocCodec {
  name: string;
  /** samples a packet of `bytes` gives, all channels together counted once; first: the stream's first packet */
  samples(bytes: number, channels: number, first: boolean): number;
  /** ADPCM: ffmpeg's decoder takes one or two channels only */
  adpcm?: true;
}

const pcm = (name: string, size: number): VocCodec => ({
  name,
  samples: (bytes, channels) => Math.floor(bytes / (size * channels)),
});

/**
 * Sound Blaster Pro ADPCM (libavcodec/adpcm.c get_nb_samples): 4, 3 or 2 samples a byte, 2, 3 or 4
 * bits each; the stream's first packet starts with one raw sample a channel.
 */
const sbpro = (name: string, perByte: number): VocCodec => ({
  name,
  adpcm: true,
  samples(bytes, channels, first) {
    if (!first) return Math.floor((bytes * perByte) / channels);
    return bytes < channels ? 0 : 1 + Math.floor(((bytes - channels) * perByte) / channels);
  },
});

/** ffmpeg's ff_voc_codec_tags: the codecs a VOC file may name */
const CODECS: Record<number, VocCodec> = {
  0x00: pcm('PCM_U8', 1),
  0x01: sbpro('ADPCM_SBPRO_4', 2),
  0x02: sbpro('ADPCM_SBPRO_3', 3),
  0x03: sbpro('ADPCM_SBPRO_2', 4),
  0x04: pcm('PCM_S16LE', 2),
  0x06: pcm('ALAW', 1),
  0x07: pcm('ULAW', 1),
  // Creative's 4-bit ADPCM: two samples a byte, no header
  0x200: { name: 'ADPCM_CT', adpcm: true, samples: (bytes, channels) => Math.floor((bytes * 2) / channels) },
};

/** the most one packet holds (voc_packet.c: a max_size under 1 is 2,048) */
const PACKET = 2048;
const HEADER = 26;

export function probeVoc(src: FileSource): Claim | undefined {
  const h = src.head;
  if (h.toString('latin1', 0, 19) !== 'Creative Voice File') return undefined;
  const base = { codec: 'VOC' };
  // ffmpeg knows a VOC file by the 20 bytes with the 0x1A
  if (h.length < HEADER || h[19] !== 0x1a)
    return { kind: 'unreadable', ...base, error: 'VOC header cut off or damaged' };
  // ffmpeg refuses any other header size ("unknown header size")
  if (h.readUInt16LE(20) !== HEADER)
    return { kind: 'unreadable', ...base, error: `VOC header size ${h.readUInt16LE(20)} (ffmpeg reads 26)` };
  let codec: VocCodec | undefined;
  /** the codec byte of the last voice block read before the codec was set (ffmpeg's tmp_codec) */
  let tag: number | undefined;
  let rate = 0;
  let channels = 0;
  let samples = 0;
  let first = true;
  let error: string | undefined;
  // a type 8 block's rate and channels, for the type 1 block right after it
  let extRate = 0;
  let extChannels = 1;
  let p = HEADER;
  const w = new Window(src);
  while (p < src.size) {
    src.work.tick();
    const b = w.get(p, 16);
    const type = b[0]!;
    if (type === 0 || b.length < 4) break;
    let size = b.readUIntLE(1, 3);
    p += 4;
    if (size === 0) size = src.size - p; // "to the end of the file"
    let data: number;
    if (type === 1 || type === 9) {
      const head = type === 1 ? 2 : 12;
      // a voice block smaller than its own header: ffmpeg's packet read fails there, and the stream ends
      if (size < head || b.length < 4 + head) break;
      // the first voice block sets the rate and channels (ffmpeg: `if (!par->sample_rate)`); the codec
      // is the codec byte of the last voice block read when a block with data is met (tmp_codec): an
      // empty block of 4-samples-a-byte ADPCM before PCM or an unknown codec counted 9,961 s of 9.96 MB
      // that ffmpeg decodes none of (attack round 24c, N6)
      if (!codec) {
        tag = type === 1 ? b[5]! : b.readUInt16LE(10);
        if (!rate) {
          if (type === 1) {
            rate = extRate || Math.floor(1_000_000 / (256 - b[4]!));
            channels = extChannels;
          } else {
            rate = b.readUInt32LE(4);
            channels = b[9]!;
          }
        }
      }
      p += head;
      data = size - head;
      extRate = 0;
      extChannels = 1;
    } else if (type === 2) {
      // more data: decoded only after a voice block (its codec byte is the stream's, if none is yet)
      if (tag === undefined) break;
      data = size;
    } else if (type === 8) {
      // ffmpeg reads its four bytes whatever the block's size says, and goes on right after them
      if (b.length < 8) break;
      extChannels = b[7]! + 1;
      extRate = Math.floor(256_000_000 / (extChannels * (65536 - b.readUInt16LE(4))));
      p += 4;
      continue;
    } else {
      p += size; // silence, marker, text, repeat: nothing decoded
      continue;
    }
    if (!codec) {
      if (data <= 0) continue;
      codec = CODECS[tag!];
      if (!codec)
        return { kind: 'unreadable', ...base, sampleRate: rate, error: `VOC codec ${tag} (ffmpeg knows none)` };
      if (!rate || rate > 0x7fffffff || channels < 1 || (codec.adpcm && channels > 2))
        return {
          kind: 'unreadable',
          codec: `VOC/${codec.name}`,
          sampleRate: rate,
          channels,
          error: `VOC ${codec.name} at ${rate} Hz in ${channels} channels: ffmpeg decodes none`,
        };
    }
    const present = Math.max(0, Math.min(data, src.size - p));
    if (present < data) error = `cut off: a block of ${data} bytes has ${present}`;
    let left = present;
    if (first && left > 0) {
      samples += codec.samples(Math.min(left, PACKET), channels, true);
      left -= Math.min(left, PACKET);
      first = false;
    }
    const full = Math.floor(left / PACKET);
    samples += full * codec.samples(PACKET, channels, false) + codec.samples(left - full * PACKET, channels, false);
    p += data;
  }
  if (!codec) return { kind: 'unreadable', ...base, error: 'VOC file without a voice block that holds data' };
  const named = { codec: `VOC/${codec.name}`, sampleRate: rate, channels };
  if (samples <= 0) return { kind: 'unreadable', ...named, error: 'VOC file without samples' };
  return { kind: 'audio', seconds: samples / rate, ...named, error, fromBytes: true };
}
