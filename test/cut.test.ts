/**
 * Every container and codec, made here from speech with ffmpeg, cut at many lengths (a copy that
 * stopped, a recorder that crashed), and judged by the decoded length of each cut file (ffmpeg to PCM,
 * samples counted): leaktally must never give more than the decoded length plus one frame, and must
 * come close to it. ~16 cuts a file (the head, the headers, through the body, one byte short, whole).
 */
import { expect, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { probeFile } from '../src/scan/probe/index.js';
import { tempDir } from './helpers.js';
import { describeWith, itWith, type Program } from './needs.js';

const dir = tempDir('leaktally-cut-');
const TEXT =
  'This is the health line. Please describe your symptoms and state your personal identity number. ' +
  'A nurse will call you back within the hour. If this is an emergency, hang up and call one one two. ' +
  'Your call may be recorded for quality and training purposes. Press one for the pharmacy, press two for lab results.';

function run(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} ${args.join(' ')}: ${err}`)),
    );
  });
}

/** Seconds that ffmpeg decodes from the file: PCM at 48 kHz mono, samples counted (0 if nothing decodes). */
async function decodedSeconds(file: string): Promise<number> {
  try {
    const pcm = await run('ffmpeg', [
      '-v',
      'quiet',
      '-i',
      file,
      '-map',
      '0:a:0',
      '-f',
      's16le',
      '-ac',
      '1',
      '-ar',
      '48000',
      '-',
    ]);
    return pcm.length / 2 / 48000;
  } catch {
    return 0;
  }
}

/** Run the jobs one at a time: the suite runs two test files at once, and the machine is shared. */
async function pool<T>(jobs: (() => Promise<T>)[], width = 1): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

interface Case {
  file: string;
  /** ffmpeg output arguments (input: the speech), or a command of its own */
  ffmpeg?: string[];
  cmd?: (src: string, out: string) => [string, string[]];
  /** one frame of the codec, in seconds: the most a cut file may be given over its decoded length */
  frame: number;
  /** how far under the decoded length leaktally may be (a fraction), for lengths that are estimates */
  under: number;
  /** the input is the speech looped this many times (for files past the reader's walk limits) */
  loops?: number;
  /** a cut with (next to) nothing to decode may be `other` (a name that is not an audio extension) */
  tinyOther?: boolean;
}

/** A 30 s test picture with the speech as its audio, in a video container (audio shorter than the video). */
const withVideo =
  (videoCodec: string, audio: string[]): Case['cmd'] =>
  (s, o) => [
    'ffmpeg',
    ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=d=30:s=96x64:r=5', '-i', s, '-c:v', videoCodec, ...audio, o],
  ];

const CASES: Case[] = [
  {
    file: 'cbr-xing.mp3',
    ffmpeg: ['-c:a', 'libmp3lame', '-b:a', '32k', '-ar', '16000'],
    frame: 576 / 16000,
    under: 0.02,
  },
  {
    file: 'vbr-xing.mp3',
    ffmpeg: ['-c:a', 'libmp3lame', '-q:a', '4', '-ar', '22050'],
    frame: 576 / 22050,
    under: 0.02,
  },
  { file: 'lame-vbr.mp3', cmd: (s, o) => ['lame', ['--quiet', '-V', '6', s, o]], frame: 1152 / 22050, under: 0.02 },
  {
    file: 'vbr-noxing.mp3',
    ffmpeg: ['-c:a', 'libmp3lame', '-q:a', '2', '-ar', '44100', '-write_xing', '0'],
    frame: 1152 / 44100,
    under: 0.15,
  },
  {
    file: 'cbr-noxing.mp3',
    ffmpeg: ['-c:a', 'libmp3lame', '-b:a', '64k', '-ar', '44100', '-ac', '2', '-write_xing', '0'],
    frame: 1152 / 44100,
    under: 0.02,
  },
  {
    file: 'big-vbr.mp3',
    ffmpeg: ['-c:a', 'libmp3lame', '-q:a', '0', '-ar', '44100', '-ac', '2'],
    frame: 1152 / 44100,
    under: 0.05,
    loops: 6,
  },
  { file: 'mp2.mp2', ffmpeg: ['-c:a', 'mp2', '-b:a', '64k', '-ar', '32000'], frame: 1152 / 32000, under: 0.02 },
  { file: 'flac16k.flac', ffmpeg: ['-c:a', 'flac', '-ar', '16000'], frame: 4096 / 16000, under: 0.02 },
  {
    file: 'flac44k.flac',
    cmd: (s, o) => ['flac', ['-s', '-f', '-o', o, s]],
    frame: 4608 / 22050,
    under: 0.02,
    loops: 3,
  },
  {
    file: 'adts.aac',
    ffmpeg: ['-c:a', 'aac', '-b:a', '32k', '-ar', '16000', '-f', 'adts'],
    frame: 1024 / 16000,
    under: 0.02,
  },
  {
    file: 'big-adts.aac',
    ffmpeg: ['-c:a', 'aac', '-b:a', '96k', '-ar', '44100', '-f', 'adts'],
    frame: 1024 / 44100,
    under: 0.1,
    loops: 3,
  },
  {
    file: 'faststart.m4a',
    ffmpeg: ['-c:a', 'aac', '-b:a', '32k', '-ar', '16000', '-movflags', '+faststart'],
    frame: 1024 / 16000,
    under: 0.05,
  },
  { file: 'moov-end.m4a', ffmpeg: ['-c:a', 'aac', '-b:a', '32k', '-ar', '16000'], frame: 1024 / 16000, under: 0.05 },
  {
    file: 'phone.3gp',
    ffmpeg: ['-c:a', 'aac', '-b:a', '24k', '-ar', '16000', '-ac', '1', '-f', '3gp', '-movflags', '+faststart'],
    frame: 1024 / 16000,
    under: 0.05,
  },
  { file: 'wma.wma', ffmpeg: ['-c:a', 'wmav2', '-b:a', '32k', '-ar', '16000'], frame: 2048 / 16000, under: 0.05 },
  { file: 'opus.webm', ffmpeg: ['-c:a', 'libopus', '-b:a', '24k', '-f', 'webm'], frame: 0.02, under: 0.05 },
  { file: 'vorbis.mka', ffmpeg: ['-c:a', 'libvorbis', '-q:a', '2', '-f', 'matroska'], frame: 0.05, under: 0.05 },
  { file: 'opus.opus', ffmpeg: ['-c:a', 'libopus', '-b:a', '24k'], frame: 0.02, under: 0.1 },
  // MPEG-TS (no extension of audio: a cut under three packets is not recognised, so `other` at a head cut)
  {
    file: 'aac.ts',
    ffmpeg: ['-c:a', 'aac', '-b:a', '32k', '-ar', '16000', '-f', 'mpegts'],
    frame: 1024 / 16000,
    under: 0.02,
    tinyOther: true,
  },
  {
    file: 'mp2.ts',
    ffmpeg: ['-c:a', 'mp2', '-b:a', '64k', '-ar', '32000', '-f', 'mpegts'],
    frame: 1152 / 32000,
    under: 0.02,
    tinyOther: true,
  },
  { file: 'ulaw.wav', ffmpeg: ['-c:a', 'pcm_mulaw', '-ar', '8000'], frame: 1 / 8000, under: 0.001 },
  // fragmented MP4 (streaming encoders): every sample is in a moof/trun, none in the moov
  {
    file: 'fragmented.m4a',
    ffmpeg: [
      '-c:a',
      'aac',
      '-b:a',
      '32k',
      '-ar',
      '16000',
      '-movflags',
      '+frag_keyframe+empty_moov',
      '-frag_duration',
      '1000000',
    ],
    frame: 1024 / 16000,
    under: 0.1,
  },
  // ffmpeg opens no AIFF cut a few frames into its sound data: 1 ms of slack
  { file: 'pcm.aiff', ffmpeg: ['-c:a', 'pcm_s16be', '-ar', '16000'], frame: 0.001, under: 0.001 },
  // video files whose audio is shorter than the video: the audio stream's own length counts
  {
    file: 'short-audio.wmv',
    cmd: withVideo('wmv2', ['-c:a', 'wmav2', '-b:a', '32k', '-ar', '16000']),
    frame: 2048 / 16000,
    under: 0.05,
  },
  {
    file: 'pcm.avi',
    cmd: withVideo('mjpeg', ['-c:a', 'pcm_s16le', '-ar', '16000']),
    frame: 1 / 16000,
    under: 0.01,
  },
  {
    file: 'mp3.avi',
    cmd: withVideo('mpeg4', ['-c:a', 'libmp3lame', '-b:a', '32k', '-ar', '22050']),
    frame: 1152 / 22050,
    under: 0.02,
  },
];

/** Where each file is cut: the very start, around the headers, and through the body. */
function cuts(size: number): number[] {
  const at = new Set<number>();
  for (const n of [64, 600, 3000]) if (n < size) at.add(n);
  for (let k = 1; k < 12; k++) at.add(Math.floor((size * k) / 12) + (k % 3));
  at.add(size - 1);
  at.add(size);
  return [...at].filter((n) => n > 0 && n <= size).sort((a, b) => a - b);
}

interface Row {
  cut: number;
  got: number | undefined;
  kind: string;
  decoded: number;
  error?: string;
}

describeWith(['ffmpeg', 'espeak-ng'], 'a file cut at any length is counted for the audio its bytes decode to', () => {
  const speech = join(dir, 'speech.wav');
  beforeAll(async () => {
    await run('espeak-ng', ['-w', speech, TEXT]);
  }, 60_000);

  for (const c of CASES) {
    // the program that makes the file, when it is not ffmpeg (lame, flac)
    const maker = (c.cmd?.('', '')[0] ?? 'ffmpeg') as Program;
    itWith(
      [maker],
      `${c.file}: never more than the decoded length plus one frame, and close to it`,
      async () => {
        const out = join(dir, c.file);
        let input = speech;
        if (c.loops) {
          input = join(dir, `loop${c.loops}.wav`);
          if (!existsSync(input))
            await run('ffmpeg', [
              '-v',
              'error',
              '-y',
              '-stream_loop',
              String(c.loops - 1),
              '-i',
              speech,
              '-c',
              'copy',
              input,
            ]);
        }
        if (c.cmd) {
          const [cmd, args] = c.cmd(input, out);
          await run(cmd, args);
        } else {
          await run('ffmpeg', ['-v', 'error', '-y', '-i', input, ...c.ffmpeg!, out]);
        }
        const full = readFileSync(out);
        const rows = await pool(
          cuts(full.length).map((n) => async (): Promise<Row> => {
            const name = `${n}-${c.file}`;
            const path = join(dir, name);
            writeFileSync(path, full.subarray(0, n));
            const r = (await probeFile(path, name)).probe;
            const decoded = await decodedSeconds(path);
            return { cut: n, got: r.seconds, kind: r.kind, decoded, error: r.error };
          }),
        );
        const report = rows
          .map(
            (r) =>
              `${String(r.cut).padStart(8)} B  ${r.kind.padEnd(10)} ${(r.got ?? NaN).toFixed(3).padStart(8)} s  decoded ${r.decoded.toFixed(3).padStart(8)} s  ${r.error ?? ''}`,
          )
          .join('\n');
        if (process.env.LEAKTALLY_CUT_REPORT) console.log(`${c.file}\n${report}`);
        for (const r of rows) {
          const at = `${c.file} cut at ${r.cut} of ${full.length} bytes\n${report}`;
          if (c.tinyOther && r.kind === 'other') {
            expect(r.decoded, `${at}\nother but decodes`).toBeLessThanOrEqual(Math.max(0.5, 3 * c.frame));
            continue;
          }
          expect(['audio', 'unreadable'], at).toContain(r.kind);
          if (r.kind === 'audio') {
            expect(r.got!, `${at}\nmore than decoded + one frame`).toBeLessThanOrEqual(r.decoded + c.frame + 1e-6);
            expect(r.got!, `${at}\nfar under the decoded length`).toBeGreaterThanOrEqual(
              r.decoded * (1 - c.under) - c.frame - 1e-6,
            );
          } else {
            // unreadable only when there is (next to) nothing to decode
            expect(r.decoded, `${at}\nunreadable but decodes`).toBeLessThanOrEqual(Math.max(0.5, 3 * c.frame));
          }
        }
        // the whole file is always counted
        expect(rows[rows.length - 1]!.kind).toBe('audio');
      },
      300_000,
    );
  }
});
