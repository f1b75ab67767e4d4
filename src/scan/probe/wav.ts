/*
 * RIFF/WAVE and RF64 reader, by hand: music-metadata takes a WAV's length from the data chunk's declared
 * size, which is wrong for exactly the files a leak is full of (recordings still being written, with a
 * data size of 0 or 0xFFFFFFFF, or cut off by a copy). It also costs about five times the CPU of this
 * chunk walk, which reads only chunk headers and the few small chunks it needs.
 */
import { FRAMED_MAX, MPEG_FRAMER, framedSeconds, type Framer } from './framed.js';
import { checkedFrameAt as ac3Frame } from './ac3.js';
import { DtsFrames } from './dts.js';
import { adpcmFormat, spanBlocks } from './adpcm.js';
import { gsmMsBlock, tooManyChannels } from './acm.js';
import { bytesAt } from './bytes.js';
import { SAMPLE_BYTES } from './pcm.js';
import { parseHeaderDate } from './datestr.js';
import type { Claim, EmbeddedDate, FileSource } from './types.js';

/**
 * DFPWM, which has no format tag: ffmpeg writes it extensible under its own GUID (WHOLE_GUIDS), taken
 * here as this tag (past 16 bits, so no real tag's). A bit a sample: its decoder makes 8 samples a
 * channel of every byte. Unread, ffmpeg's own 10 s DFPWM WAV and AVI counted 0 (attack round 29a, H3).
 */
export const DFPWM_TAG = 0x1dfb0;

const CODECS: Record<number, string> = {
  0x0001: 'PCM',
  0x0002: 'MS-ADPCM',
  0x0003: 'FLOAT',
  0x0006: 'ALAW',
  0x0007: 'ULAW',
  0x0011: 'IMA-ADPCM',
  0x0020: 'YAMAHA',
  0x0022: 'TRUESPEECH',
  0x0031: 'GSM610',
  0x0040: 'G721',
  0x0045: 'G726', // ffmpeg's tag for G.726
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x0064: 'G726',
  // (ffmpeg matches a tag not in its table upper-cased as four characters: 0x65, 'e', is 0x45's G.726)
  0x0065: 'G726',
  0x0083: 'G729A',
  // (0x0133, "G.729", is in no ffmpeg table: "Unsupported codec", nothing decoded, where it counted
  // 2,500 s a MB with a fact chunk; attack round 20, high: a tag no decoder knows, below)
  0x028f: 'G722', // ffmpeg's tag for G.722
  // AC-3 (E-AC-3 by its extensible GUID, below) and DTS: ffmpeg's WAV demuxer runs their parsers over
  // the data chunk (wavdec.c, full raw parsing) and decodes the frames in it. Unread here, ffmpeg's own
  // 10 s AC-3 and DTS WAVs and its 40.6 s E-AC-3 WAV counted 0 (attack round 29a, H2 and H3)
  0x2000: 'AC3',
  0x2001: 'DTS',
  [DFPWM_TAG]: 'DFPWM',
};
/** codecs whose every frame has the same size: duration follows from the bytes present */
const FIXED_FRAME = new Set(['PCM', 'FLOAT', 'ALAW', 'ULAW']);
/** G.726 (0x40 is "G.721", ffmpeg's G.726 too): a decoder takes its code size from the byte rate */
const G726_TAGS = new Set(['G721', 'G726']);
/** codecs coded in blocks of a known number of samples */
const BLOCK_CODED = new Set(['GSM610', 'IMA-ADPCM', 'MS-ADPCM']);

/**
 * The chunks walked: ffmpeg walks them all (the last data chunk is the one it decodes), so a file of
 * more is refused rather than sized by a data chunk a later one would replace. No writer makes more
 * than a handful; a forged file's walk of this many reads 4,096 headers (a few ms).
 */
const MAX_CHUNKS = 4096;
const MAX_SMALL_CHUNK = 64 * 1024;

// four-character codes as big-endian numbers: compared without making a string per chunk
const RIFF = 0x52494646;
const RF64 = 0x52463634;
const BW64 = 0x42573634;
const WAVE = 0x57415645;
const DATA = 0x64617461;
const FMT = 0x666d7420;
const FACT = 0x66616374;
const DS64 = 0x64733634;
const LIST = 0x4c495354;
const LIST_LOWER = 0x6c697374;
const BEXT = 0x62657874;

/**
 * Sony Wave64 (.w64, ffmpeg and sox write it): RIFF's chunks with 16-byte GUIDs for ids (the
 * four-character code, then a fixed suffix), 64-bit sizes that count their 24-byte header, and
 * chunks aligned to 8 bytes (the data chunk excepted, as ffmpeg steps over it). Not read, a .w64
 * file was `other` and not counted (round 16).
 */
const W64_RIFF = Buffer.from('726966662e91cf11a5d628db04c10000', 'hex');
const W64_WAVE = Buffer.from('77617665f3acd3118cd100c04f8edb8a', 'hex');
/** the suffix of every chunk GUID but riff's: its first 4 bytes are the chunk's code ('fmt ', 'data' …) */
const W64_SUFFIX = W64_WAVE.subarray(4);

/**
 * The largest offset a seek reaches on ext4 (the usual Linux file system): 2^32 - 1 blocks of 4 KiB.
 * ffmpeg's w64 demuxer steps over a chunk by seeking past it; past this offset the seek fails
 * (EINVAL), its position stays just after the chunk's header, and it reads on from there: the chunk's
 * body as the next chunk headers. ffmpeg's own 600 s W64 with a chunk of 10^15 bytes appended and
 * 40,000 zero bytes after it was refused whole ("Invalid data"; the zeros read as a chunk of size 0)
 * where leaktally counted 600 s, and a W64 whose data size fell 100,000 bytes short read its last
 * audio as a chunk of 7·10^17 bytes: 593.75 s counted, none decoded (attack round 24, H7). Walked as
 * ffmpeg walks it on ext4: on a file system of larger files (XFS, btrfs) ffmpeg would decode such a
 * file, and leaktally refuses it (a writer never makes a chunk of 16 TiB: a forged file's, unreadable).
 */
const W64_SEEK_MAX = 2 ** 44 - 4096;

function isW64(head: Buffer): boolean {
  return head.length >= 40 && head.subarray(0, 16).equals(W64_RIFF) && head.subarray(24, 40).equals(W64_WAVE);
}

export function isWav(head: Buffer): boolean {
  if (isW64(head)) return true;
  if (head.length < 12) return false;
  const id = head.readUInt32BE(0);
  return (id === RIFF || id === RF64 || id === BW64) && head.readUInt32BE(8) === WAVE;
}

export function probeWav(src: FileSource): Claim {
  const w64 = isW64(src.head);
  const rf64 = !w64 && src.head.readUInt32BE(0) !== RIFF;
  let fmt: Buffer | undefined;
  let factSamples: number | undefined;
  let ds64Data: number | undefined;
  let dataOffset = -1;
  let declared = 0;
  let embeddedDate: EmbeddedDate | undefined;
  let pos = w64 ? 40 : 12;
  const headLen = w64 ? 24 : 8;
  /** plain RIFF, where a data size of 0 or 0xFFFFFFFF means "to the end of the file" and ends the walk */
  const riff = !w64 && !rf64;
  // Files ffmpeg refuses whole, for a chunk a player would step over (round 17: each counted 10 s,
  // ffmpeg decoding none): a Wave64 riff size under 64, or a chunk size of 24 or less or past 2^63;
  // a LIST under 4 bytes; a bext running past the end; an RF64/BW64 whose first chunk is not ds64
  const refused = (why: string): Claim => ({
    kind: 'unreadable',
    codec: w64 ? 'W64' : 'WAV',
    error: `${why}: a decoder refuses the file`,
  });
  // (w64_read_header refuses under 72: the riff, wave, fmt and data headers; 64-71 were counted: round 25c C1)
  if (w64 && src.head.readBigUInt64LE(16) < 72n) return refused('Wave64 riff size under 72');
  // ffmpeg (wavdec.c, seekable input) reads on after a data chunk and decodes the LAST data chunk it
  // meets (its offset and size replace the ones before); the first was taken here, and one 2 KB data
  // chunk appended to ffmpeg's own 20-minute IMA ADPCM WAV counted 1,200 s where ffmpeg decodes 0.51 s
  // (attack round 25a, C4; RF64 and Wave64 alike). RIFF takes its first fmt, Wave64 every one (the last
  // stands: a fmt after the data replaced the format, 250 s counted, 0.65 decoded).
  for (let n = 0; pos + headLen <= src.size; n++) {
    if (n >= MAX_CHUNKS) return refused(`more than ${MAX_CHUNKS} chunks (a later data chunk is the one decoded)`);
    src.work.tick();
    const hdr = bytesAt(src, pos, headLen);
    if (hdr.length < headLen) break;
    let id = hdr.readUInt32BE(0);
    let size = hdr.readUInt32LE(4);
    const body = pos + headLen;
    if (w64) {
      // a GUID of another kind is no chunk of these (its code ignored); a size of its header or less,
      // or one that with its position passes 2^63 - 1 (a decoder's offsets overflow), is refused
      if (!hdr.subarray(4, 16).equals(W64_SUFFIX)) id = 0;
      const whole = hdr.readBigUInt64LE(16);
      if (whole <= 24n || whole > 2n ** 63n - 1n - BigInt(body)) return refused(`Wave64 chunk of size ${whole}`);
      size = Math.min(Number(whole) - 24, Number.MAX_SAFE_INTEGER);
      // a step past the largest offset a seek reaches (the data's by its size, another chunk's padded to
      // 8 bytes, as ffmpeg skips them): a decoder reads on at the chunk's body, the data's bytes included
      if (body + size + (id === DATA ? 0 : (8 - (size % 8)) % 8) > W64_SEEK_MAX) {
        if (id === DATA) {
          dataOffset = body;
          declared = size;
        }
        pos = body;
        continue;
      }
      // a fmt of 17 bytes: a decoder reads 16 of it and loses its place (ffmpeg 5.1 decodes nothing)
      if (id === FMT && size === 17) id = 0;
    }
    if (rf64 && n === 0 && id !== DS64) return refused('RF64 whose first chunk is not ds64');
    if ((id === LIST || id === LIST_LOWER) && size < 4) return refused(`LIST chunk of ${size} bytes`);
    if (id === BEXT && body + size > src.size) return refused('bext chunk past the end of the file');
    if (id === DATA) {
      dataOffset = body;
      // (RF64: ds64's size, whatever the data chunk's own 32 bits say, as a decoder takes it)
      declared = rf64 && ds64Data !== undefined ? ds64Data : size;
      // the walk ends where a decoder's does: a RIFF data size of 0 or 0xFFFFFFFF (read to the end),
      // a data chunk reaching the end (W64: the step past it finds no chunk there)
      if ((riff && (declared === 0 || declared === 0xffffffff)) || body + declared >= src.size) break;
    } else if (id === FMT && (!fmt || w64)) {
      // (RIFF: the first, a decoder takes it and a second is not read; Wave64: each, the last stands)
      fmt = bytesAt(src, body, Math.min(size, 64));
    } else if (id === FACT && size >= 4) {
      factSamples = bytesAt(src, body, 4).readUInt32LE(0);
    } else if (id === DS64 && rf64 && size < 24) {
      // an RF64's ds64 under 24 bytes (its three sizes): refused by a decoder (wavdec.c)
      return refused(`RF64 ds64 chunk of ${size} bytes`);
    } else if (id === DS64 && size >= 16) {
      const b = bytesAt(src, body, 16);
      // a data size of 0 or past 2^63 in ds64: a decoder plays nothing (round 17)
      const d = b.readBigUInt64LE(8);
      if (d === 0n || d >= 2n ** 63n) return refused(`RF64 ds64 data size ${d}`);
      ds64Data = Number(d);
    } else if (!embeddedDate && id === LIST && size >= 4 && size <= MAX_SMALL_CHUNK) {
      embeddedDate = readInfoDate(bytesAt(src, body, size));
    } else if (id === BEXT && size >= 338) {
      const b = bytesAt(src, body, 338);
      const date = b.toString('latin1', 320, 330).replace(/\0/g, '');
      const time = b.toString('latin1', 330, 338).replace(/\0/g, '');
      embeddedDate = parseHeaderDate(`${date} ${time}`, 'bwf-origination') ?? embeddedDate;
    }
    const len = id === DATA ? declared : size;
    // (Wave64: a decoder pads every chunk to 8 bytes but the data, which it steps over by its size)
    pos = w64 ? body + len + (id === DATA ? 0 : (8 - ((headLen + len) % 8)) % 8) : body + len + (len & 1);
  }
  // Wave64: 16 to 23 bytes after the last chunk are read by a decoder as a GUID and a size cut short
  // (the missing bytes as zeros): a size of 24 or less refuses the file (ffmpeg's own 10 s W64 with 16
  // bytes appended was counted 10 s, ffmpeg opening nothing: attack round 25a, H2); a cut fmt or data
  // chunk header is refused here too (a decoder reads a format of zeros or a data chunk at the end)
  if (w64 && pos + headLen > src.size && pos + 16 <= src.size) {
    const tail = Buffer.alloc(24);
    bytesAt(src, pos, src.size - pos).copy(tail);
    const whole = tail.readBigUInt64LE(16);
    if (whole <= 24n) return refused(`Wave64 chunk of size ${whole} in the last ${src.size - pos} bytes`);
    const code = tail.subarray(4, 16).equals(W64_SUFFIX) ? tail.readUInt32BE(0) : 0;
    if (code === DATA || code === FMT) return refused(`Wave64 chunk header cut off at the end of the file`);
  }
  if (!fmt || fmt.length < 16) return { kind: 'unreadable', codec: 'WAV', error: 'WAV without a readable fmt chunk' };
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const byteRate = fmt.readUInt32LE(8);
  let blockAlign = fmt.readUInt16LE(12);
  const bits = fmt.readUInt16LE(14);
  if (tag === 0xfffe) {
    const sub = extensibleTag(fmt);
    if (typeof sub === 'string')
      return { kind: 'unreadable', codec: `${w64 ? 'W64' : 'WAV'}/EXTENSIBLE`, sampleRate, channels, error: sub };
    tag = sub;
  }
  const name = CODECS[tag] ?? `0x${tag.toString(16).padStart(4, '0')}`;
  const codec = `${w64 ? 'W64' : 'WAV'}/${name}`;
  const base = { codec, sampleRate, channels };
  if (!sampleRate || !channels)
    return { kind: 'unreadable', ...base, error: 'WAV fmt chunk has no sample rate or channels' };
  const many = tooManyChannels(channels);
  if (many) return { kind: 'unreadable', ...base, error: `WAV ${many}` };
  if (dataOffset < 0) return { kind: 'unreadable', ...base, error: 'WAV without a data chunk' };
  // a codec outside the table: its length could only be its header's claim (a byte rate, a fact
  // count), and ffmpeg decodes none of most such tags, so nothing checks it; counted at the lowest
  // speech byte rate, 329 KB of a forged tag was 18 minutes of nothing (attack round 12a, high)
  if (CODECS[tag] === undefined)
    return {
      kind: 'unreadable',
      ...base,
      error: `WAV of codec ${name} (its format tag), which leaktally cannot size from its bytes`,
    };

  const available = Math.max(0, src.size - dataOffset);
  let present = declared;
  let note: string | undefined;
  // (a size of 0 or 0xFFFFFFFF is "to the end" in RIFF only: RF64's is ds64's, Wave64's its own)
  const toEnd = riff && (declared === 0 || declared === 0xffffffff);
  if (toEnd || declared > available) {
    present = available;
    if (declared === 0) note = `data size 0 in header; counted the ${available} bytes present`;
    else if (declared === 0xffffffff) note = `data size 0xFFFFFFFF in header; counted the ${available} bytes present`;
    else note = `cut off: header says ${declared} data bytes, ${available} present`;
  }
  const truncated = present < declared || toEnd;

  // Every count below is capped by what the data bytes present can hold: a fact chunk or a
  // samples-per-block field is a claim (0xFFFFFFFF is "unknown", and a forged one is anything).
  let samples: number;
  let fromBytes = true;
  if ((name === 'PCM' || name === 'FLOAT') && !SAMPLE_BYTES[name].includes(Math.ceil(bits / 8)))
    return {
      kind: 'unreadable',
      ...base,
      embeddedDate,
      error: `${name} WAV of ${bits}-bit samples, which ffmpeg does not decode`,
    };
  if (name === 'IMA-ADPCM' && channels > 2)
    return {
      kind: 'unreadable',
      ...base,
      embeddedDate,
      error: `IMA-ADPCM WAV of ${channels} channels, which ffmpeg does not decode`,
    };
  // channels a decoder refuses when it opens (attack round 24, H1: 192-200 KB counted 180-200 s each,
  // none decoded): TrueSpeech's of more than one ("Channel count", not implemented), G.729's of more
  // than two, Yamaha ADPCM's of more than two (adpcm.c's init)
  const most = name === 'TRUESPEECH' ? 1 : name === 'G729A' || name === 'YAMAHA' ? 2 : Infinity;
  if (channels > most)
    return {
      kind: 'unreadable',
      ...base,
      embeddedDate,
      error: `${name} WAV of ${channels} channels, which ffmpeg does not decode`,
    };
  if (FIXED_FRAME.has(name)) {
    // a sample frame is at least a whole byte a sample for every channel (ffmpeg decodes by those):
    // a block align of 1 on 16-bit stereo counted 4.7 s as 9.4 s (attack round 9b, high)
    blockAlign = Math.max(blockAlign, channels * Math.ceil(bits / 8), 1);
    samples = Math.floor(present / blockAlign);
  } else if (name === 'MS-ADPCM' || name === 'IMA-ADPCM') {
    // the blocks ffmpeg decodes, their headers checked (adpcm.ts; attack round 22, H13)
    const r = adpcmInWav(src, dataOffset, present, tag, channels, blockAlign, bits);
    if (typeof r === 'string') return { kind: 'unreadable', ...base, embeddedDate, error: joinNote(note, r) };
    samples = r.samples;
    if (r.note) note = joinNote(note, r.note);
    // fact holds the exact count (the last block is padded): taken when the blocks present hold it
    if (factSamples !== undefined && factSamples > 0) {
      if (factSamples <= samples) samples = factSamples;
      else if (!truncated && !r.note)
        note = joinNote(note, `fact chunk claims ${factSamples} samples, the data holds ${samples}`);
    }
  } else if (BLOCK_CODED.has(name)) {
    const perBlock = samplesPerBlock(name);
    if (!perBlock)
      return { kind: 'unreadable', ...base, error: `${name} WAV with an impossible block size (${blockAlign})` };
    if (name === 'GSM610') {
      // the block align as ffmpeg's decoder takes it (0 is 65), or refused as it refuses it: overridden
      // with 65, a block align of 64 counted 1 h that ffmpeg decodes none of (attack round 26a, H1)
      const gsm = gsmMsBlock(blockAlign, channels);
      if (typeof gsm === 'string') return { kind: 'unreadable', ...base, embeddedDate, error: gsm };
      blockAlign = gsm;
    }
    const held = Math.floor(present / blockAlign) * perBlock;
    samples = held;
    // fact holds the exact count (the last block is padded): taken when the blocks present hold it
    if (factSamples !== undefined && factSamples > 0) {
      if (factSamples <= held) samples = factSamples;
      else if (!truncated) note = joinNote(note, `fact chunk claims ${factSamples} samples, the data holds ${held}`);
    }
  } else if (name === 'YAMAHA') {
    // Yamaha ADPCM: ffmpeg's decoder makes 2 samples a byte a channel of every packet (4,096 bytes, or
    // whole blocks of the fmt's block align), whatever the byte rate; it was unreadable here while
    // avi.ts sized it, and ffmpeg's own 30 s WAV counted 0 (attack round 24, H5)
    const packet = blockAlign > 1 ? Math.max(blockAlign, Math.floor(WAV_PACKET / blockAlign) * blockAlign) : WAV_PACKET;
    const perPacket = Math.floor((packet * 2) / channels);
    samples = Math.floor(present / packet) * perPacket + Math.floor(((present % packet) * 2) / channels);
  } else if (name === 'DFPWM') {
    // dfpwmdec.c: a packet (4,096 bytes, or whole blocks of the block align, as Yamaha's) makes
    // size × 8 / channels samples, and one whose bits do not divide among the channels none
    const packet = blockAlign > 1 ? Math.max(blockAlign, Math.floor(WAV_PACKET / blockAlign) * blockAlign) : WAV_PACKET;
    const per = (n: number): number => ((n * 8) % channels ? 0 : (n * 8) / channels);
    samples = Math.floor(present / packet) * per(packet) + per(present % packet);
  } else if (name === 'MPEG' || name === 'MP3' || name === 'AC3' || name === 'DTS') {
    // MPEG audio: the frames in the data chunk, as ffmpeg's parser splits them (avi.ts's walk), not
    // the byte rate: 1 MB of zeros at 300 B/s with a fact chunk counted 6,666 s (tag 0x50) or 1,143 s
    // (0x55), ffmpeg decoding none (attack round 20, critical). AC-3 and DTS alike, by their frames.
    return framedInWav(src, dataOffset, present, { ...base, embeddedDate }, note, name);
  } else {
    // a codec read by its byte rate: a header figure, so the length stays a claim the check judges
    fromBytes = false;
    if (byteRate > 0 && byteRate < MIN_BYTE_RATE)
      return {
        kind: 'unreadable',
        ...base,
        embeddedDate,
        error: `${name} WAV with a byte rate of ${byteRate} B/s, below any speech codec's (${MIN_BYTE_RATE} B/s)`,
      };
    // a fixed-rate codec's bytes at no lower a rate than its own lowest: the header's is a claim
    const lowest = CODEC_BYTE_RATE[name];
    const rate = lowest !== undefined && byteRate < lowest ? lowest : byteRate;
    if (rate !== byteRate)
      note = joinNote(note, `byte rate ${byteRate} B/s is under ${name}'s ${Math.round(lowest!)}: sized at that`);
    let held = rate > 0 ? Math.floor((present / rate) * sampleRate) : undefined;
    if (G726_TAGS.has(name)) {
      // ffmpeg's G.726 decoder: mono only, codes of byte rate × 8 / sample rate bits (riffdec.c), 2 to
      // 5, whatever the fmt's bits say; others refused. A byte rate under 2 bits a sample was sized at
      // G.726's lowest and one of 6 bits or more at its own, where ffmpeg decodes none (round 20)
      const codeBits = Math.floor((byteRate * 8) / sampleRate);
      if (channels !== 1 || codeBits < 2 || codeBits > 5)
        return {
          kind: 'unreadable',
          ...base,
          embeddedDate,
          error:
            channels !== 1
              ? `G.726 WAV of ${channels} channels, which ffmpeg does not decode`
              : `G.726 WAV whose byte rate gives ${codeBits}-bit codes, which ffmpeg does not decode (2 to 5)`,
        };
      held = Math.floor((present * 8) / codeBits);
    } else if (name === 'G722') {
      // ffmpeg's G.722 decoder makes two samples a byte, mono whatever the channels, at the fmt's rate,
      // whatever its byte rate: sized by the byte rate, a 48 kHz header counted 3× what it decodes
      // (round 20), and ffmpeg's own WAV (16 kHz, 16,000 B/s) half of it (attack round 24, H4)
      held = 2 * present;
    } else if (name === 'G729A') {
      // ffmpeg's G.729 parser cuts frames of 10 bytes a channel (8 under 8 kbit/s by the byte rate,
      // Annex D), and its decoder makes 80 samples a channel of each, and of a last 8 bytes a channel
      // (an Annex D frame; another tail it refuses): taken from the byte rate alone a stereo file
      // counted twice what it decodes (attack round 24, M3)
      const frame = (byteRate * 8 < 8000 ? 8 : 10) * channels;
      held = (Math.floor(present / frame) + (present % frame === 8 * channels ? 1 : 0)) * 80;
    }
    if (held === undefined) return { kind: 'unreadable', ...base, error: `${name} WAV without a byte rate` };
    // the codec's bytes fix its length (ffmpeg decodes them all, whatever fact says): a fact chunk can
    // only shorten it. Believed up to 2× the bytes' length, a fact chunk counted 1 MB of G.726 as 1,000 s
    // and of G.729A as 2,500 s, twice what ffmpeg decodes (attack round 20, medium)
    samples = held;
    if (factSamples !== undefined && factSamples > 0 && !truncated) {
      if (factSamples < held) samples = factSamples;
      else if (factSamples > held)
        note = joinNote(note, `fact chunk claims ${factSamples} samples, the data holds about ${held}`);
    }
  }
  if (samples <= 0) {
    return { kind: 'unreadable', ...base, embeddedDate, error: note ? `no audio data (${note})` : 'no audio data' };
  }
  return { kind: 'audio', seconds: samples / sampleRate, ...base, embeddedDate, error: note, fromBytes };
}

/**
 * The lowest byte rate a codec stored in WAV has: 2.4 kbit/s (LPC-10, Voxware's lowest); G.723.1 is
 * 5.3, G.729 8. A lower one is forged: the plausibility check alone (100 bit/s) let a G.729 WAV with
 * a byte rate of 13 count 615 s for 8,000 bytes (10 s of G.729; ffmpeg decodes none of it).
 */
const MIN_BYTE_RATE = 300;
/**
 * The lowest byte rate of each fixed-rate speech codec read by its byte rate: G.729 at 6.4 kbit/s
 * (Annex D, 8-byte frames of 10 ms), TrueSpeech's 32-byte frames of 30 ms, G.722 (a byte for every
 * two samples at 16 kHz, at 48-64 kbit/s alike). A byte rate forged to MIN_BYTE_RATE counted 10 KB
 * of G.729 as 33 s (ffmpeg: 12.5) and 9.6 KB of TrueSpeech as 32 s (ffmpeg: 9), under the guard's
 * generic floor (attack round 9b, high). G.726 (and G.721) take their code size from the byte rate.
 */
const CODEC_BYTE_RATE: Record<string, number> = {
  G729A: 800,
  TRUESPEECH: 32 / 0.03,
  G722: 8000,
};
/** Samples in one block of a GSM WAV (gsmdec.c): 320, whatever the block size (41 to 65) is; MS and IMA ADPCM are adpcm.ts's. */
function samplesPerBlock(name: string): number {
  return name === 'GSM610' ? 320 : 0;
}

/** What ffmpeg's WAV demuxer reads at a time (its max_size): the packets a refused block drops the rest of. */
const WAV_PACKET = 4096;

/**
 * MS or IMA ADPCM in WAV: the blocks ffmpeg decodes in the data chunk's packets (wavdec.c: 4,096
 * bytes rounded down to whole blocks), their headers checked (adpcm.ts), its first FRAMED_MAX bytes
 * read, the rest in proportion (as MPEG audio's frames are); or why a decoder refuses it.
 */
function adpcmInWav(
  src: FileSource,
  at: number,
  present: number,
  tag: number,
  channels: number,
  blockAlign: number,
  bits: number,
): { samples: number; note?: string } | string {
  const f = adpcmFormat(tag, channels, blockAlign, bits);
  if (typeof f === 'string') return f;
  const packet = Math.max(f.align, Math.floor(WAV_PACKET / f.align) * f.align);
  const walked = Math.min(present, FRAMED_MAX);
  const spans: [number, number][] = [];
  for (let p = 0; p < walked; p += packet) spans.push([at + p, Math.min(packet, walked - p)]);
  const blocks = spanBlocks(src, spans, f);
  const whole = Math.floor(walked / f.align);
  const refused = whole - blocks;
  if (!blocks)
    return `no ADPCM block a decoder takes in the data chunk (${whole} refused: their headers are not ADPCM's)`;
  const notes: string[] = [];
  if (refused) notes.push(`${refused} of ${whole} ADPCM blocks a decoder refuses (bad block headers): not counted`);
  let samples = blocks * f.samples;
  if (walked < present) {
    samples = Math.floor((samples * present) / walked);
    notes.push(`estimated: the blocks of the first ${walked} bytes of audio checked, the rest in proportion`);
  }
  return { samples, note: notes.length ? notes.join('; ') : undefined };
}

/** Bytes of an MPEG audio data chunk read at a time (avi.ts's walk reads spans whole). */
const MPEG_SPAN = 1024 * 1024;

/**
 * Sub-format GUIDs ffmpeg maps to a codec whole (riff.c's ff_codec_wav_guids), as the tag of the codec
 * read here: AC-3's and E-AC-3's (ac3.ts frames both: an E-AC-3 frame is read by its bsid) to 0x2000,
 * MPEG audio's (MP2) to 0x50. ffmpeg writes E-AC-3 in WAV and AVI only so: its own 40.6 s E-AC-3 WAV
 * counted 0 without it (attack round 29a, H2). ATRAC3+, ATRAC9 and AGM ADPCM are not read here.
 */
const WHOLE_GUIDS: Record<string, number> = {
  '2c806de046dbcf11b4d100805f6cbbea': 0x2000,
  af87fba7022dfb42a4d405cd93843bdd: 0x2000,
  '2b806de046dbcf11b4d100805f6cbbea': 0x0050,
  '3ac1fa38811d4361a40dce53ca607cd1': DFPWM_TAG,
};

/** The last 12 bytes of the GUIDs whose first four are a format tag: the base (KSDATAFORMAT_SUBTYPE_…), the ambisonic one and the "broken" one ffmpeg also takes. */
const TAG_GUIDS = ['00001000800000aa00389b71', '2107d3118644c8c1ca000000', '0000000000001000800000aa'];

/**
 * WAVE_FORMAT_EXTENSIBLE's sub-format tag, as ffmpeg's riffdec takes it (attack round 22, H5): only
 * when the extension's size (cbSize, at most what the chunk holds) is at least 22, and only from a
 * GUID whose last 12 bytes are one of TAG_GUIDS (the tag is then its first four bytes). Otherwise
 * ffmpeg has no codec and decodes nothing: the reason, as a string.
 */
export function extensibleTag(fmt: Buffer): number | string {
  const cbSize = fmt.length >= 18 ? Math.min(fmt.readUInt16LE(16), fmt.length - 18) : 0;
  if (cbSize < 22) return `WAV extensible format without its extension (${cbSize} bytes): no sub-format to decode`;
  const tail = fmt.toString('hex', 28, 40);
  const tag = fmt.readUInt32LE(24);
  const whole = WHOLE_GUIDS[fmt.toString('hex', 24, 40)];
  if (whole !== undefined) return whole;
  if (!TAG_GUIDS.includes(tail) || tag > 0xffff)
    return `WAV extensible sub-format ${fmt.toString('hex', 24, 40)}, which ffmpeg does not decode`;
  return tag;
}

/** AC-3 and E-AC-3 (avi.ts's too): a frame counts when its CRC holds (ac3.ts), an E-AC-3 dependent frame no samples. */
export const AC3_FRAMER: Framer = {
  name: 'AC-3',
  sync: 0x0b,
  frame(b, p, stop) {
    const f = ac3Frame(b, p, stop);
    return f && { size: f.size, seconds: f.independent ? f.samples / f.rate : 0 };
  },
};

/**
 * MPEG audio (tags 0x50, 0x55), AC-3 or DTS in WAV: ffmpeg's WAV demuxer runs its parser over the data
 * chunk, so what decodes is the frames in it, walked as in AVI (its first 64 MiB, the rest in proportion).
 */
function framedInWav(
  src: FileSource,
  at: number,
  present: number,
  base: Omit<Claim, 'kind'>,
  note: string | undefined,
  name: string,
): Claim {
  const spans: [number, number][] = [];
  const walked = Math.min(present, FRAMED_MAX);
  for (let p = 0; p < walked; p += MPEG_SPAN) spans.push([at + p, Math.min(MPEG_SPAN, walked - p)]);
  // (DTS: a checker of its own, its frames checked in order; those in doubt are retracted, dts.ts)
  const dts = name === 'DTS' ? new DtsFrames() : undefined;
  const framer: Framer = dts
    ? { name: 'DTS', sync: 0x7f, frame: (b, p, stop) => dts.frame(b, p, stop) }
    : name === 'AC3'
      ? AC3_FRAMER
      : MPEG_FRAMER;
  const held = framedSeconds(src, spans, framer) - (dts?.retracted ?? 0);
  if (!(held > 0))
    return {
      ...base,
      kind: 'unreadable',
      error: joinNote(note, `no ${framer.name} frame in the data chunk's ${present} bytes`),
    };
  if (walked >= present) return { ...base, kind: 'audio', seconds: held, error: note, fromBytes: true };
  return {
    ...base,
    kind: 'audio',
    seconds: (held * present) / walked,
    error: joinNote(
      note,
      `estimated: the frames of the first ${walked} bytes of audio counted, the rest in proportion`,
    ),
    // not fromBytes: an estimate, so the guard judges it on the allocated bytes (a hole holds no
    // frames; a 1 GiB sparse file of 1,000 s counted 16,002, attack round 22, H3)
  };
}

function joinNote(a: string | undefined, b: string): string {
  return a ? `${a}; ${b}` : b;
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
