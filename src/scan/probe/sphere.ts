/*
 * NIST SPHERE (.sph, .nist, .wav of the telephone speech corpora: "NIST_1A"), read by hand: no reader
 * knew it, so sox's and the LDC corpora's files were `other`, counted 0 while ffmpeg decodes all of
 * them (attack round 24a, H5: sox's 30 s file counted 0).
 *
 * The header is text: "NIST_1A", the header's size in bytes (1024 as a rule), then one "name -type
 * value" line per field up to "end_head"; the samples follow at the header's size. ffmpeg 5.1's
 * nistsphere demuxer (libavformat/nistspheredec.c) reads sample_coding (pcm, alaw, ulaw or mu-law;
 * "pcm,embedded-shorten…" goes to its Shorten decoder), sample_byte_format (01 little-endian, 10
 * big-endian, 1 a byte, mu-law: µ-law), channel_count, sample_rate, sample_n_bytes and
 * sample_sig_bits (the sample's bits, when given, else 8 × sample_n_bytes), and then hands every byte
 * after the header to the decoder in packets: sample_count is only a claim it keeps as the
 * duration. Here the length is the bytes present at the coding's size, packet by packet as the PCM
 * decoder takes them, and never more than sample_count where the header gives one.
 */
import { lpcmBytes } from './pcm.js';
import type { Claim, FileSource } from './types.js';

/** the largest header read (the corpora's are 1,024 bytes; the field is a claim like any other) */
const HEADER_MAX = 64 * 1024;

/** ffmpeg's RAW_SAMPLES: a PCM packet holds at most this many blocks (libavformat/pcm.h) */
const RAW_SAMPLES = 1024 * 4;

export function probeSphere(src: FileSource): Claim | undefined {
  if (src.head.toString('latin1', 0, 8) !== 'NIST_1A\n') return undefined;
  // the head holds the header as a rule (1,024 bytes); a larger one is read to its stated size
  let lines = linesOf(src.head);
  const stated = lines.length > 1 ? scanInt(lines[1]!.text) : undefined;
  if (stated !== undefined && stated > src.head.length && src.head.length < src.size)
    lines = linesOf(src.read(0, Math.min(stated, HEADER_MAX)));
  const base = { codec: 'SPHERE' } as const;
  // line 1 the magic, line 2 the header's size (sscanf %d: leading blanks skipped)
  const headerSize = lines.length > 1 ? (scanInt(lines[1]!.text) ?? 0) : 0;
  if (!(headerSize > 0)) return { kind: 'unreadable', ...base, error: 'SPHERE header without its size' };
  let coding = 'pcm';
  let mulawByFormat = false;
  let channels = 0;
  let rate = 0;
  let bytesPerSample = 0;
  /** sample_sig_bits as a decoder holds it: 0 until a line gives a number (then never 0: refused) */
  let sigBits = 0;
  let count: number | undefined;
  let ended = false;
  for (const { text: line, end } of lines.slice(2)) {
    // ffmpeg refuses a header whose lines reach its stated size (the samples would start inside it)
    if (end >= headerSize) break;
    // "%*s %*s %d" (or %31s): the third word, words parted by the C locale's white space only
    const value = line.split(C_SPACE).filter(Boolean)[2] ?? '';
    // (a value sscanf reads no number from leaves the field as it was)
    const int = (was: number): number => scanInt(value) ?? was;
    if (line.startsWith('end_head')) {
      ended = true;
      break;
    } else if (line.startsWith('channel_count')) channels = int(channels);
    else if (line.startsWith('sample_byte_format')) {
      // (a line with no value leaves the format as it was, "01" at first: sscanf reads nothing)
      const f = (value || '01').toLowerCase().slice(0, 31);
      // 01 or 10: the byte order, which changes no length; 1: a byte a sample
      if (f === 'mu-law') mulawByFormat = true;
      else if (f !== '01' && f !== '10' && f !== '1')
        return { kind: 'unreadable', ...base, error: `SPHERE sample_byte_format ${value}` };
    } else if (line.startsWith('sample_coding')) coding = value ? value.toLowerCase().slice(0, 31) : coding;
    else if (line.startsWith('sample_count')) count = int(count ?? 0);
    else if (line.startsWith('sample_n_bytes')) {
      bytesPerSample = int(bytesPerSample);
      // ffmpeg 5.1 refuses the file at a sample_n_bytes over 4,095 or under 0 (compared unsigned)
      if (bytesPerSample < 0 || bytesPerSample > 4095)
        return { kind: 'unreadable', ...base, error: `SPHERE sample_n_bytes ${value}: a decoder refuses the file` };
    } else if (line.startsWith('sample_rate')) rate = int(rate);
    else if (line.startsWith('sample_sig_bits')) {
      // ffmpeg 5.1 refuses the file at a sample_sig_bits line that leaves the bits at 0 or under, or
      // over 32,767 (a value that is no number keeps the bits it had: 0 before any). Read 0 as "not
      // given" here, 9 MB of "-i 0" counted 2,250 s that ffmpeg opens none of (attack round 25a, H1)
      sigBits = int(sigBits);
      if (sigBits <= 0 || sigBits > 32767)
        return { kind: 'unreadable', ...base, error: `SPHERE sample_sig_bits ${value}: a decoder refuses the file` };
    }
  }
  if (!ended) return { kind: 'unreadable', ...base, error: 'SPHERE header without end_head inside its size' };
  const bits = sigBits || bytesPerSample * 8;
  // the codec as ffmpeg picks it: the coding, else "mu-law" as the byte format, else PCM by the bits
  let codec: string | undefined;
  let size: number | undefined;
  if (coding === 'alaw') [codec, size] = ['ALAW', 1];
  else if (coding === 'ulaw' || coding === 'mu-law' || (coding === 'pcm' && mulawByFormat)) [codec, size] = ['ULAW', 1];
  else if (coding === 'pcm') [codec, size] = ['PCM', lpcmBytes(bits, false)];
  const named = { codec: `SPHERE/${codec ?? coding.toUpperCase()}`, sampleRate: rate, channels };
  if (!codec)
    // embedded Shorten (the LDC corpora's "pcm,embedded-shorten-v2.00"): its blocks are not walked here
    return { kind: 'unreadable', ...named, error: `SPHERE sample_coding ${coding} is not measured` };
  if (!size) return { kind: 'unreadable', ...named, error: `SPHERE PCM of ${bits} bits: no decoder takes it` };
  if (channels < 1 || channels > 64 || rate <= 0)
    return { kind: 'unreadable', ...named, error: 'SPHERE header without channels or a sample rate' };
  // the demuxer's packets are whole blocks of block_align bytes (bits × channels / 8): none, nothing is read
  const blockAlign = Math.floor((bits * channels) / 8);
  if (blockAlign <= 0) return { kind: 'unreadable', ...named, error: 'SPHERE header without a sample size' };
  const data = Math.max(0, src.size - headerSize);
  let samples = pcmPackets(
    data,
    Math.min(Math.max(Math.floor(rate / 25), 1), RAW_SAMPLES) * blockAlign,
    size * channels,
  );
  let error: string | undefined;
  if (count !== undefined && count > 0 && count < samples) samples = count;
  else if (count !== undefined && count > samples) error = `cut off: header says ${count} samples, ${samples} present`;
  if (samples <= 0) return { kind: 'unreadable', ...named, error: 'SPHERE file without samples' };
  return { kind: 'audio', seconds: samples / rate, ...named, error, fromBytes: true };
}

/**
 * Samples the PCM decoder makes of `data` bytes read in packets of `packet` bytes: each packet's
 * whole frames of `frame` bytes (ffmpeg's pcm decoder drops a packet's odd bytes; packet and frame
 * differ only for sample sizes that are not whole bytes, 12 bits in 2 bytes).
 */
function pcmPackets(data: number, packet: number, frame: number): number {
  const full = Math.floor(data / packet);
  return full * Math.floor(packet / frame) + Math.floor((data - full * packet) / frame);
}

/**
 * White space as sscanf takes it in the C locale ffmpeg runs in: space, tab, LF, VT, FF, CR. Not
 * JavaScript's \s, trim() or parseInt, which also take U+00A0, the byte 0xA0 read as latin1: a header
 * space made 0xA0 in sox's 14.3 s file counted 14.275 s where ffmpeg reads no header size, or no
 * sample size, and decodes nothing (attack round 28a, H4)
 */
const C_SPACE = /[ \t\n\v\f\r]+/;

/** sscanf's %d: C white space skipped, a sign, then at least one digit; undefined where it reads none (the field is kept). */
function scanInt(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? parseInt(m[1]!, 10) : undefined;
}

/** ff_get_line's buffer in nistspheredec.c: 256 bytes, so a line's first 255 characters are all it reads of it */
const LINE_MAX = 255;

/**
 * The header's lines as ffmpeg's ff_get_line splits them (LF, CR LF, CR or a NUL), with where each
 * ends, each cut to the 255 characters ffmpeg keeps (a value past them is not read: "sample_n_bytes",
 * 240 spaces and "2" counted sox's 14.275 s, ffmpeg finding no decoder).
 */
function linesOf(b: Buffer): { text: string; end: number }[] {
  const out: { text: string; end: number }[] = [];
  let start = 0;
  for (let i = 0; i < b.length && out.length < 4096; i++) {
    const c = b[i]!;
    if (c !== 0x0a && c !== 0x0d && c !== 0) continue;
    let end = i + 1;
    if (c === 0x0d && b[end] === 0x0a) end++;
    out.push({ text: b.toString('latin1', start, Math.min(i, start + LINE_MAX)), end });
    start = end;
    i = end - 1;
  }
  return out;
}
