/**
 * RealMedia (.rm, .ra, .rmvb: magic ".RMF"): recognised, not measured. Its PROP and MDPR headers
 * claim a duration in ms, but it is a claim (ffmpeg's own muxer writes 0 there), and nothing here
 * decodes RealAudio to count the audio present; the stream headers say only whether the file holds
 * audio. Read by hand: music-metadata does not know the format, and only the chunk headers are needed.
 */
import type { FileSource, ProbeResult } from './types.js';

/** header chunks looked at before the data: a real file has a handful (RMF, PROP, CONT, one MDPR a stream) */
const MAX_CHUNKS = 64;
/** a stream header bigger than this is not read (its MIME type comes in its first bytes) */
const MAX_MDPR = 64 * 1024;

export function isRealMedia(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 0, 4) === '.RMF';
}

/** The MIME types of the stream headers (MDPR), read from the header chunks before DATA. */
function streamTypes(src: FileSource): string[] {
  const types: string[] = [];
  let p = 0;
  for (let n = 0; n < MAX_CHUNKS && p + 10 <= src.size; n++) {
    const h = p + 10 <= src.head.length ? src.head.subarray(p, p + 10) : src.read(p, 10);
    if (h.length < 10) break;
    const id = h.toString('latin1', 0, 4);
    const size = h.readUInt32BE(4);
    if (id === 'DATA' || id === 'INDX' || size < 10) break;
    if (id === 'MDPR' && size <= MAX_MDPR) {
      const c = p + size <= src.head.length ? src.head.subarray(p, p + size) : src.read(p, size);
      // id, size, version (2), stream number (2), 7 × 4 bytes of rates, sizes and times, then the name and the MIME type
      const nameAt = 40;
      if (c.length > nameAt) {
        const mimeAt = nameAt + 1 + c[nameAt]!;
        if (c.length > mimeAt) types.push(c.toString('latin1', mimeAt + 1, mimeAt + 1 + c[mimeAt]!));
      }
    }
    p += size;
  }
  return types;
}

export function probeRealMedia(src: FileSource): ProbeResult {
  const types = streamTypes(src);
  const codec = 'REALMEDIA';
  if (types.some((t) => t.includes('audio')))
    return {
      kind: 'unreadable',
      codec,
      error:
        'RealMedia: an audio stream whose length is not measured (RealAudio is not decoded here; the header duration is a claim)',
    };
  if (types.some((t) => t.includes('video'))) return { kind: 'other', codec, error: 'video, no audio track' };
  return { kind: 'unreadable', codec, error: 'RealMedia: no stream header found' };
}
