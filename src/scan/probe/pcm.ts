/**
 * The sample sizes (bytes, the bits rounded up) ffmpeg takes for PCM and float in a WAVEFORMATEX (WAV,
 * and Matroska's A_MS/ACM); others it refuses. A PCM WAV of 0-bit samples counted its bytes as 8-bit,
 * 30 s for 240 KB, ffmpeg decoding none (attack round 11a, high); ACM float of 8 or 16 bits counted
 * 240 and 120 s of 1 MB, none decoded (round 22, H14). A module of its own: WAV reads AVI's framing,
 * AVI Matroska's, and Matroska these sizes.
 */
export const SAMPLE_BYTES = { PCM: [1, 2, 3, 4, 8], FLOAT: [4, 8] };
